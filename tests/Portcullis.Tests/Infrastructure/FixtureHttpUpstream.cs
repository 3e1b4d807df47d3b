using System.Diagnostics;
using System.Text.Json;

namespace Portcullis.Tests.Infrastructure;

/// <summary>The fixture upstream served over Streamable HTTP (<c>--http</c>), as a real process.</summary>
internal sealed class FixtureHttpUpstream : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly Process _process;

    private FixtureHttpUpstream(Process process, string baseUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    public string McpUrl => BaseUrl + "/mcp";

    public static async Task<FixtureHttpUpstream> StartAsync()
    {
        var baseUrl = $"http://127.0.0.1:{FreePort.Next()}";
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { RepoPaths.Fixture, "--http", baseUrl })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var upstream = new FixtureHttpUpstream(process, baseUrl);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            try
            {
                using var response = await Http.GetAsync(baseUrl + "/received-authorization", cts.Token);
                if (response.IsSuccessStatusCode)
                {
                    return upstream;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100, cts.Token);
        }
    }

    /// <summary>The Authorization header of every request the fixture received, in order ("" when absent).</summary>
    public async Task<string[]> ReceivedAuthorizationsAsync()
    {
        var json = await Http.GetStringAsync(BaseUrl + "/received-authorization");
        return JsonSerializer.Deserialize<string[]>(json)!;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }

        _process.Dispose();
    }
}
