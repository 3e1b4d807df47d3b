using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Portcullis.Tests.Infrastructure;

/// <summary>
/// A .NET server program run as its own process on port 0: ready once it prints the address it bound
/// (<c>listening on URL</c>), which is then its <see cref="BaseUrl"/>.
/// </summary>
internal sealed partial class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource<string> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerProcess(Process process) => _process = process;

    /// <summary>The URL the server bound, such as <c>http://127.0.0.1:41234</c>.</summary>
    public string BaseUrl { get; private set; } = "";

    public int Port => new Uri(BaseUrl).Port;

    /// <summary>Starts <paramref name="dll"/> with <paramref name="args"/> (which should bind port 0) and waits for its address.</summary>
    public static async Task<ServerProcess> StartAsync(string dll, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var server = new ServerProcess(new Process { StartInfo = start, EnableRaisingEvents = true });
        server._process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && Listening().Match(line) is { Success: true } match)
            {
                server._listening.TrySetResult(match.Groups[1].Value.TrimEnd('/'));
            }
        };
        server._process.ErrorDataReceived += (_, _) => { };
        server._process.Exited += (_, _) => server._listening.TrySetException(new InvalidOperationException($"{Path.GetFileName(dll)} exited at start."));
        server._process.Start();
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        try
        {
            server.BaseUrl = await server._listening.Task.WaitAsync(Timeouts.Startup);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(Timeouts.Exit);
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"^listening on (\S+)")]
    private static partial Regex Listening();
}
