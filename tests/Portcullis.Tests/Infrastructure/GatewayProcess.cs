using System.Diagnostics;
using System.Text;

namespace Portcullis.Tests.Infrastructure;

/// <summary>The real gateway executable, started on a free loopback port with a given config.</summary>
internal sealed class GatewayProcess : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();

    private GatewayProcess(Process process, string baseUrl, string configPath, string dataDir)
    {
        _process = process;
        BaseUrl = baseUrl;
        ConfigPath = configPath;
        DataDir = dataDir;
    }

    public string BaseUrl { get; }

    public string ConfigPath { get; }

    public string DataDir { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

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

    /// <summary>Starts the gateway and waits until it is ready (every upstream connected).</summary>
    public static async Task<GatewayProcess> StartAsync(string configPath, string dataDir, bool waitReady = true, int? port = null)
    {
        for (var attempt = 0; ; attempt++)
        {
            var gateway = Launch(configPath, dataDir, port ?? FreePort.Next());
            if (!waitReady)
            {
                return gateway;
            }

            try
            {
                await gateway.WaitReadyAsync(TimeSpan.FromSeconds(90));
                return gateway;
            }
            catch (InvalidOperationException) when (port is null && attempt < 3 && gateway.Output.Contains("address already in use", StringComparison.Ordinal))
            {
                // The gateway binds only once its state store and upstreams are ready, seconds after the port was
                // found free; another process may have taken it meanwhile. Try another one.
                await gateway.DisposeAsync();
            }
        }
    }

    /// <summary>Starts the gateway again on the same port, config and data dir.</summary>
    public Task<GatewayProcess> RestartAsync() =>
        StartAsync(ConfigPath, DataDir, port: new Uri(BaseUrl).Port);

    private static GatewayProcess Launch(string configPath, string dataDir, int port)
    {
        var baseUrl = $"http://127.0.0.1:{port}";
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { RepoPaths.Gateway, "serve", "--config", configPath, "--listen", baseUrl, "--data-dir", dataDir })
        {
            start.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var gateway = new GatewayProcess(process, baseUrl, configPath, dataDir);
        process.OutputDataReceived += (_, e) => gateway.Append(e.Data);
        process.ErrorDataReceived += (_, e) => gateway.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return gateway;
    }

    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The gateway exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                using var response = await Http.GetAsync($"{BaseUrl}/readyz", cts.Token);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested)
            {
                throw new TimeoutException($"The gateway was not ready within {timeout}:\n{Output}");
            }

            try
            {
                await Task.Delay(100, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"The gateway was not ready within {timeout}:\n{Output}");
            }
        }
    }

    public async Task<string> GetAsync(string path)
    {
        using var response = await Http.GetAsync(BaseUrl + path);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Waits until the gateway's log contains <paramref name="text"/>.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            try
            {
                await Task.Delay(50, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"'{text}' did not appear in the gateway's output within {timeout}:\n{Output}");
            }
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no shutdown code runs, as when a machine dies.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
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

        lock (_gate)
        {
            _output.AppendLine(line);
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
}
