using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Portcullis.Tests.Infrastructure;

/// <summary>
/// The real gateway executable with a given config, on port 0 (or, to come back where it was, on a port it bound
/// before). Its address is the one it reports once Kestrel has bound (<c>Portcullis is listening on URL</c>).
/// </summary>
internal sealed partial class GatewayProcess : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = Timeouts.Call };
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();
    private readonly List<(string Text, TaskCompletionSource Seen)> _waiters = [];
    private readonly TaskCompletionSource<string> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _baseUrl;
    private string[] _extraArgs = [];

    /// <summary>The <c>--admin-listen</c> the gateway was started with, as <c>token</c> must be told too; empty when none.</summary>
    public string[] AdminListenArgs => Array.IndexOf(_extraArgs, "--admin-listen") is var i and >= 0 && i + 1 < _extraArgs.Length ? ["--admin-listen", _extraArgs[i + 1]] : [];

    private GatewayProcess(Process process, string configPath, string dataDir)
    {
        _process = process;
        ConfigPath = configPath;
        DataDir = dataDir;
    }

    /// <summary>The URL the gateway bound; known once it has reported it (<see cref="WaitListeningAsync"/>).</summary>
    public string BaseUrl => _baseUrl ?? throw new InvalidOperationException($"The gateway has not reported the address it listens on (yet):\n{Output}");

    public string ConfigPath { get; }

    public string DataDir { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Completes when the process has exited.</summary>
    public Task Exited => _exited.Task;

    public string Output
    {
        get
        {
            lock (_gate)
            {
                return _output.ToString();
            }
        }
    }

    public Uri Endpoint(string connector) => new($"{BaseUrl}/mcp/{connector}");

    /// <summary>
    /// Starts the gateway on port 0 (or <paramref name="port"/>) and, unless <paramref name="waitReady"/> is false,
    /// waits until it listens and every connector is ready. <paramref name="extraArgs"/> follow the usual <c>serve</c> arguments.
    /// </summary>
    public static async Task<GatewayProcess> StartAsync(string configPath, string dataDir, bool waitReady = true, int? port = null, params string[] extraArgs)
    {
        var gateway = Launch(configPath, dataDir, port ?? 0, extraArgs);
        if (waitReady)
        {
            try
            {
                await gateway.WaitListeningAsync();
                await gateway.WaitReadyAsync(Timeouts.Startup);
            }
            catch
            {
                await gateway.DisposeAsync();
                throw;
            }
        }

        return gateway;
    }

    /// <summary>Starts the gateway again with the same config, data dir and arguments, on the port it bound before.</summary>
    public Task<GatewayProcess> RestartAsync(bool waitReady = true) =>
        StartAsync(ConfigPath, DataDir, waitReady, new Uri(BaseUrl).Port, _extraArgs);

    /// <summary>
    /// Starts the gateway the way <paramref name="start"/> says (another launcher, folder or environment; its
    /// <c>--listen</c> on port 0), and waits until it reports its address and is ready.
    /// </summary>
    public static async Task<GatewayProcess> StartWithAsync(ProcessStartInfo start, string configPath, string dataDir, TimeSpan readyTimeout)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var gateway = Launch(start, configPath, dataDir);
        try
        {
            await gateway.WaitListeningAsync(readyTimeout);
            await gateway.WaitReadyAsync(readyTimeout);
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }

        return gateway;
    }

    private static GatewayProcess Launch(string configPath, string dataDir, int port, string[] extraArgs)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { RepoPaths.Gateway, "serve", "--config", configPath, "--listen", $"http://127.0.0.1:{port}", "--data-dir", dataDir }.Concat(extraArgs))
        {
            start.ArgumentList.Add(arg);
        }

        return Launch(start, configPath, dataDir, extraArgs);
    }

    private static GatewayProcess Launch(ProcessStartInfo start, string configPath, string dataDir, string[]? extraArgs = null)
    {
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var gateway = new GatewayProcess(process, configPath, dataDir) { _extraArgs = extraArgs ?? [] };
        process.OutputDataReceived += (_, e) => gateway.Append(e.Data);
        process.ErrorDataReceived += (_, e) => gateway.Append(e.Data);
        process.Exited += (_, _) => gateway._exited.TrySetResult();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return gateway;
    }

    /// <summary>Waits until the gateway reports the address it bound; fails if it exits first.</summary>
    public async Task<string> WaitListeningAsync(TimeSpan? timeout = null)
    {
        var first = await Task.WhenAny(_listening.Task, _exited.Task).WaitAsync(timeout ?? Timeouts.Startup);
        if (first != _listening.Task)
        {
            // Output lines may trail the exit by a moment; the message is for a person reading a failed test.
            await _process.WaitForExitAsync().WaitAsync(Timeouts.Exit);
            throw new InvalidOperationException($"The gateway exited with {_process.ExitCode} before listening:\n{Output}");
        }

        return await _listening.Task;
    }

    /// <summary>Waits until <c>/readyz</c> answers 200 (every connector's catalog current).</summary>
    public Task WaitReadyAsync(TimeSpan timeout) =>
        Poll.UntilAsync(
            async ct =>
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"The gateway exited with {_process.ExitCode}:\n{Output}");
                }

                try
                {
                    using var response = await Http.GetAsync($"{BaseUrl}/readyz", ct);
                    return response.IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            timeout,
            () => $"the gateway to be ready:\n{Output}");

    public async Task<string> GetAsync(string path)
    {
        using var response = await Http.GetAsync(BaseUrl + path);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Waits until the gateway's output contains <paramref name="text"/>.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_output.ToString().Contains(text, StringComparison.Ordinal))
            {
                return;
            }

            _waiters.Add((text, seen));
        }

        try
        {
            await seen.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"'{text}' did not appear in the gateway's output within {timeout}:\n{Output}");
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no shutdown code runs, as when a machine dies.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(Timeouts.Exit);
        }
    }

    /// <summary>SIGTERM, as an orchestrator stops a process: the gateway drains and exits by itself.</summary>
    public void Terminate()
    {
        if (Kill(_process.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, SIGTERM) failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    /// <summary>The process ids of the gateway's child processes (its stdio upstreams).</summary>
    public IReadOnlyList<int> ChildProcessIds()
    {
        var children = new List<int>();
        foreach (var task in Directory.EnumerateDirectories($"/proc/{_process.Id}/task"))
        {
            var file = Path.Combine(task, "children");
            if (File.Exists(file))
            {
                children.AddRange(File.ReadAllText(file).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse));
            }
        }

        return children;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (_baseUrl is null && Listening().Match(line) is { Success: true } match)
        {
            _baseUrl = match.Groups[1].Value;
            _listening.TrySetResult(_baseUrl);
        }

        lock (_gate)
        {
            _output.AppendLine(line);
            if (_waiters.Count > 0)
            {
                var text = _output.ToString();
                foreach (var waiter in _waiters.Where(w => text.Contains(w.Text, StringComparison.Ordinal)).ToList())
                {
                    waiter.Seen.TrySetResult();
                    _waiters.Remove(waiter);
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }

    private const int SigTerm = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [GeneratedRegex(@"Portcullis is listening on (\S+?);")]
    private static partial Regex Listening();
}
