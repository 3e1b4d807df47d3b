using Npgsql;

namespace Portcullis.Testing.Servers;

/// <summary>
/// A real PostgreSQL (initdb and postgres from the machine) in a temp dir, reached on a unix socket only. PostgreSQL
/// refuses to run as root, so as root it runs as the <c>postgres</c> user (or <c>nobody</c>), owning its dir.
/// Fast mode turns fsync off for tests; durable mode keeps PostgreSQL's defaults, for benchmarks.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private const int Port = 5432;
    private readonly ChildProcess _process;
    private readonly string _dir;

    private PostgresServer(ChildProcess process, string dir)
    {
        _process = process;
        _dir = dir;
    }

    /// <summary>An Npgsql connection string to the <c>postgres</c> database.</summary>
    public string ConnectionString => $"Host={_dir};Port={Port};Username=portcullis;Database=postgres;Pooling=true;Maximum Pool Size=50";

    public static async Task<PostgresServer> StartAsync(bool durable = false)
    {
        var dir = ScratchDir.Create("postgres");
        var data = Path.Combine(dir, "data");
        var runAs = RunAs();
        if (runAs is not null)
        {
            await ChildProcess.RunAsync("chown", ["-R", runAs, dir], null, TimeSpan.FromSeconds(30));
        }

        await ChildProcess.RunAsync(ServerPaths.Find("initdb"),
            ["-D", data, "-U", "portcullis", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"], runAs, TimeSpan.FromSeconds(120));
        var args = new List<string>
        {
            "-D", data, "-k", dir, "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-c", "listen_addresses=",
            "-c", "max_connections=200", "-c", "shared_buffers=128MB",
        };
        if (!durable)
        {
            args.AddRange(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);
        }

        var process = ChildProcess.Start(ServerPaths.Find("postgres"), args, runAs);
        var server = new PostgresServer(process, dir);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"postgres exited at start:\n{process.Output}");
            }

            try
            {
                await using var connection = new NpgsqlConnection(server.ConnectionString + ";Pooling=false");
                await connection.OpenAsync(cts.Token);
                return server;
            }
            catch (NpgsqlException)
            {
            }
            catch (System.Net.Sockets.SocketException)
            {
            }

            await Task.Delay(50, cts.Token);
        }
    }

    /// <summary>A fresh, empty schema; the returned connection string puts it first on the search path.</summary>
    public async Task<string> CreateSchemaAsync(string? name = null)
    {
        name ??= "t_" + Guid.NewGuid().ToString("N")[..16];
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE SCHEMA \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return $"{ConnectionString};Search Path={name}";
    }

    private static string? RunAs()
    {
        if (Environment.UserName != "root")
        {
            return null;
        }

        // "uid:gid" of the postgres user where the machine has one, else nobody's.
        var users = File.ReadLines("/etc/passwd").Select(l => l.Split(':')).Where(f => f.Length > 3).ToList();
        var user = users.FirstOrDefault(f => f[0] == "postgres") ?? users.First(f => f[0] == "nobody");
        return $"{user[2]}:{user[3]}";
    }

    /// <summary>Freezes the server and every backend (SIGSTOP to its process tree): connections stay open, nothing answers.</summary>
    public Task PauseAsync() => SignalTreeAsync("-STOP");

    /// <summary>Lets a paused server run on (SIGCONT to its process tree).</summary>
    public Task ResumeAsync() => SignalTreeAsync("-CONT");

    private async Task SignalTreeAsync(string signal)
    {
        var parents = new Dictionary<int, int>();
        foreach (var stat in Directory.EnumerateDirectories("/proc").Select(d => Path.Combine(d, "stat")))
        {
            try
            {
                var text = File.ReadAllText(stat);
                var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
                parents[int.Parse(Path.GetFileName(Path.GetDirectoryName(stat)!), System.Globalization.CultureInfo.InvariantCulture)] =
                    int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException)
            {
            }
        }

        var tree = new List<int> { _process.Id };
        for (var i = 0; i < tree.Count; i++)
        {
            tree.AddRange(parents.Where(p => p.Value == tree[i]).Select(p => p.Key));
        }

        try
        {
            await ChildProcess.RunAsync("kill", [signal, .. tree.Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture))], null, TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException ex) when (OnlyGone(ex.Message))
        {
            // A process of the tree ended between the listing and the signal (a backend whose client left): kill signalled
            // the others and said so. Thrown, it left the server half paused, and every test after it on the same server
            // timed out.
        }
    }

    /// <summary>Whether kill failed only for processes no longer there (each line after the first names one).</summary>
    private static bool OnlyGone(string failure) =>
        failure.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Skip(1).ToList() is { Count: > 0 } lines
        && lines.All(line => line.EndsWith("No such process", StringComparison.Ordinal));

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        ScratchDir.Remove(_dir);
    }
}
