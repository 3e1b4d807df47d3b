using StackExchange.Redis;

namespace Portcullis.Testing.Servers;

/// <summary>
/// A real redis-server in a temp dir, reached on a unix socket only (no port to race for). Durable mode turns on
/// the append-only file with fsync on every write, as production for "never act twice" would.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly string _dir;

    private RedisServer(ChildProcess process, string dir)
    {
        _process = process;
        _dir = dir;
    }

    public string SocketPath => Path.Combine(_dir, "redis.sock");

    /// <summary>A connection string for this server, as <c>state.connection</c> takes it (<c>unix:</c> endpoints are the gateway's extension).</summary>
    public string ConnectionString => $"unix:{SocketPath},abortConnect=false";

    public static async Task<RedisServer> StartAsync(bool durable = false)
    {
        var dir = ScratchDir.Create("redis");
        var args = new List<string>
        {
            "--port", "0", "--unixsocket", Path.Combine(dir, "redis.sock"), "--unixsocketperm", "700", "--dir", dir,
            "--daemonize", "no", "--save", "", "--protected-mode", "no",
        };
        args.AddRange(durable ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"]);
        var process = ChildProcess.Start(ServerPaths.Find("redis-server"), args);
        var server = new RedisServer(process, dir);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited at start:\n{process.Output}");
            }

            if (File.Exists(server.SocketPath))
            {
                try
                {
                    var options = new ConfigurationOptions();
                    options.EndPoints.Add(new System.Net.Sockets.UnixDomainSocketEndPoint(server.SocketPath));
                    await using var connection = await ConnectionMultiplexer.ConnectAsync(options);
                    await connection.GetDatabase().PingAsync();
                    return server;
                }
                catch (RedisConnectionException)
                {
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
