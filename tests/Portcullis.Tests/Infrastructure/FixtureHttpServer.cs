using System.Diagnostics;
using System.Net.Http.Json;

namespace Portcullis.Tests.Infrastructure;

/// <summary>The fixture upstream served over Streamable HTTP as its own process, with controllable faults.</summary>
internal sealed class FixtureHttpServer : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly Process _process;

    private FixtureHttpServer(Process process, string baseUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    public string McpUrl => BaseUrl + "/mcp";

    public static async Task<FixtureHttpServer> StartAsync(int? port = null)
    {
        var baseUrl = $"http://127.0.0.1:{port ?? FreePort.Next()}";
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
        var server = new FixtureHttpServer(process, baseUrl);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            try
            {
                using var response = await Http.GetAsync(baseUrl + "/received-authorization", cts.Token);
                if (response.IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (process.HasExited)
            {
                throw new InvalidOperationException("The HTTP fixture exited at start.");
            }

            await Task.Delay(100, cts.Token);
        }
    }

    /// <summary>Makes the fixture answer tools/call with <paramref name="mode"/>: normal, 429 or 500.</summary>
    public async Task SetModeAsync(string mode, int? retryAfterSeconds = null)
    {
        using var response = await Http.PostAsJsonAsync(BaseUrl + "/control", new { mode, retryAfterSeconds });
        response.EnsureSuccessStatusCode();
    }

    public async Task<string[]> ReceivedAuthorizationsAsync() =>
        await Http.GetFromJsonAsync<string[]>(BaseUrl + "/received-authorization") ?? [];

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
