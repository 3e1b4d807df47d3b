using StackExchange.Redis;

namespace Portcullis.Testing.Servers;

/// <summary>
/// A real redis-server in a temp dir, reached on a unix socket only (no port to race for). Durable mode turns on
/// the append-only file with fsync on every write, as production for "never act twice" would.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string _dir;
    private readonly bool _durable;
    private readonly IReadOnlyList<string> _settings;
    private ChildProcess _process;

    private RedisServer(ChildProcess process, string dir, bool durable, IReadOnlyList<string> settings)
    {
        _process = process;
        _dir = dir;
        _durable = durable;
        _settings = settings;
    }

    public string SocketPath => Path.Combine(_dir, "redis.sock");

    /// <summary>A connection string for this server, as <c>state.connection</c> takes it (<c>unix:</c> endpoints are the gateway's extension).</summary>
    public string ConnectionString => $"unix:{SocketPath},abortConnect=false";

    /// <param name="settings">More <c>redis-server</c> arguments, after (so overriding) the ones above: <c>--save</c>, <c>--dir</c>.</param>
    public static async Task<RedisServer> StartAsync(bool durable = false, IReadOnlyList<string>? settings = null)
    {
        var dir = ScratchDir.Create("redis");
        var server = new RedisServer(Launch(dir, durable, settings ?? []), dir, durable, settings ?? []);
        await server.WaitReadyAsync();
        return server;
    }

    /// <summary>
    /// Kills the server and starts it again on the same socket: a server that is not durable comes back empty, as if
    /// whatever clients wrote while it was down, and before, had never landed.
    /// </summary>
    public async Task RestartAsync()
    {
        await _process.DisposeAsync();
        File.Delete(SocketPath);
        _process = Launch(_dir, _durable, _settings);
        await WaitReadyAsync();
    }

    private static ChildProcess Launch(string dir, bool durable, IReadOnlyList<string> settings)
    {
        var args = new List<string>
        {
            "--port", "0", "--unixsocket", Path.Combine(dir, "redis.sock"), "--unixsocketperm", "700", "--dir", dir,
            "--daemonize", "no", "--save", "", "--protected-mode", "no",
        };
        args.AddRange(durable ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"]);
        args.AddRange(settings);
        return ChildProcess.Start(ServerPaths.Find("redis-server"), args);
    }

    private async Task WaitReadyAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited at start:\n{_process.Output}");
            }

            if (File.Exists(SocketPath))
            {
                try
                {
                    var options = new ConfigurationOptions();
                    options.EndPoints.Add(new System.Net.Sockets.UnixDomainSocketEndPoint(SocketPath));
                    await using var connection = await ConnectionMultiplexer.ConnectAsync(options);
                    await connection.GetDatabase().PingAsync();
                    return;
                }
                catch (Exception ex) when (ex is RedisException or RedisTimeoutException && !cts.IsCancellationRequested)
                {
                    // Not ready yet: no connection, still loading its append-only file (LOADING), or too slow to answer
                    // on a loaded machine. Only the deadline ends the wait.
                }
            }

            await Task.Delay(20, cts.Token);
        }
    }

    /// <summary>Freezes the server (SIGSTOP): connections stay open and nothing answers, as a hung store does.</summary>
    public Task PauseAsync() => SignalAsync("-STOP");

    /// <summary>Lets a paused server run on (SIGCONT).</summary>
    public Task ResumeAsync() => SignalAsync("-CONT");

    private Task SignalAsync(string signal) =>
        ChildProcess.RunAsync("kill", [signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], null, TimeSpan.FromSeconds(10));

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        ScratchDir.Remove(_dir);
    }
}
