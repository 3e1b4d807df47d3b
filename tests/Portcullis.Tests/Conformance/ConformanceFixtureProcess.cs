using System.Diagnostics;
using System.Net.Sockets;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Conformance;

/// <summary>The conformance fixture served directly over Streamable HTTP, to compare the gateway with.</summary>
internal sealed class ConformanceFixtureProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ConformanceFixtureProcess(Process process, string url)
    {
        _process = process;
        Url = url;
    }

    public string Url { get; }

    public static async Task<ConformanceFixtureProcess> StartAsync()
    {
        var port = FreePort.Next();
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { ConformanceConfig.FixtureDll, "--http", $"http://127.0.0.1:{port}" })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var fixture = new ConformanceFixtureProcess(process, $"http://localhost:{port}/mcp");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The conformance fixture exited with {process.ExitCode}.");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port, cts.Token);
                return fixture;
            }
            catch (SocketException)
            {
                await Task.Delay(100, cts.Token);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
