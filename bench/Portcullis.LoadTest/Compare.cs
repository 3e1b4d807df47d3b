using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Portcullis.Bench;

namespace Portcullis.LoadTest;

/// <summary>
/// Runs every row of the comparison in one go on this machine, against the same echo-style upstream,
/// and renders the table with each row's ratio to the direct call.
/// </summary>
internal sealed class Compare(int clients, TimeSpan duration, TimeSpan warmup, TimeSpan settle, int memoryClients, bool withPerRequestPeer, int passes, bool storesOnly = false)
{
    private readonly string _work = Directory.CreateTempSubdirectory("portcullis-bench-").FullName;
    private readonly List<LoadResult> _rows = [];
    private readonly List<string> _notes = [];
    private readonly List<(string Name, double Value, string Unit)> _scale = [];

    /// <summary>The warm-up of a row's later runs in a group: its process is warm by then, its clients are new.</summary>
    private static readonly TimeSpan LaterPassWarmup = TimeSpan.FromSeconds(3);

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var fixturePort = Ports.Free();
        await using var fixture = await ManagedProcess.StartAsync("dotnet", [Paths.Fixture, "--http", $"http://127.0.0.1:{fixturePort}"], fixturePort);
        var upstreamUrl = $"http://127.0.0.1:{fixturePort}/mcp";
        var echo = LoadTarget.EchoArguments;

        if (storesOnly)
        {
            await MeasureAsync(new LoadTarget("(a) upstream directly (HTTP)", new Uri(upstreamUrl), "echo", echo), fixture, cancellationToken);
            await MeasureStoresAsync(upstreamUrl, fixture, run, cancellationToken);
            return Render();
        }

        // Rows compared with each other are measured as a group: every process of the group is started first, then its
        // rows are measured in order and in reverse order by turns, `passes` times, and each row is reported as all its
        // runs together. The machine drifts by more than the goals' margins over a quarter of an hour; measured this way, a
        // drift that is steady over the group's minutes weighs on every row of it alike.
        // (b0) is the floor under (b): the same SDK server and client relaying calls, with none of the gateway's code.
        // (b) quiet is (b) with the two things it does for operators on every call switched off, to price them.
        // The (d) rows start with keys already stored by the same caller for the same tool: 1 thousand and 1 million.
        var relayPort = Ports.Free();
        var quiet = PassThrough(upstreamUrl);
        quiet["audit"] = new JsonObject { ["sink"] = "none" };
        quiet["logging"] = new JsonObject { ["levels"] = new JsonObject { ["Portcullis.Core.Audit.DecisionRecorder"] = "warning" } };
        await using (var relay = await ManagedProcess.StartAsync("dotnet", [Paths.SdkRelay, "--listen", $"http://127.0.0.1:{relayPort}", "--upstream", upstreamUrl], relayPort))
        await using (var passThrough = await StartGatewayAsync("pass", PassThrough(upstreamUrl), cancellationToken))
        await using (var passQuiet = await StartGatewayAsync("pass-quiet", quiet, cancellationToken))
        await using (var policy = await StartGatewayAsync("policy", FullPolicy(upstreamUrl), cancellationToken, data => PrefillKeys(data, 1_000)))
        await using (var policyMillion = await StartGatewayAsync("policy-1m", FullPolicy(upstreamUrl), cancellationToken, data => PrefillKeys(data, 1_000_000)))
        {
            Func<double> upstream = fixture.CpuSeconds;
            var token = await policy.TokenAsync("policy", "echo:read,record:write", cancellationToken);
            var tokenMillion = await policyMillion.TokenAsync("policy", "echo:read,record:write", cancellationToken);
            List<MeasuredRow> http =
            [
                new(new LoadTarget("(a) upstream directly (HTTP)", new Uri(upstreamUrl), "echo", echo), fixture),
                new(new LoadTarget("(b0) MCP SDK relay, no gateway code (HTTP upstream)", new Uri($"http://127.0.0.1:{relayPort}/mcp"), "echo", echo), relay, UpstreamCpuSeconds: upstream),
                new(new LoadTarget("(b) gateway pass-through (HTTP upstream)", passThrough.Endpoint("echo"), "echo", echo), passThrough.Process, UpstreamCpuSeconds: upstream),
                new(new LoadTarget("(b) gateway pass-through, no audit trail and no per-call log line", passQuiet.Endpoint("echo"), "echo", echo), passQuiet.Process, UpstreamCpuSeconds: upstream),
            ];
            if (token is null || tokenMillion is null)
            {
                _notes.Add("(c) and (d) not measured: `portcullis token` did not produce a token.");
                await MeasureGroupAsync(http, cancellationToken);
            }
            else
            {
                http.Add(new(new LoadTarget("(c) gateway full policy, read", policy.Endpoint("policy"), "echo", echo, token), policy.Process, UpstreamCpuSeconds: upstream));
                await MeasureGroupAsync(http, cancellationToken);
                await MeasureGroupAsync(
                [
                    new(new LoadTarget("(d) gateway full policy, write (unique keys, SQLite, 1 thousand keys stored)", policy.Endpoint("policy"), "record", LoadTarget.UniqueWriteArguments(run), token), policy.Process, UpstreamCpuSeconds: upstream),
                    new(new LoadTarget("(d) gateway full policy, write (unique keys, SQLite, 1 million keys stored)", policyMillion.Endpoint("policy"), "record", LoadTarget.UniqueWriteArguments(run), tokenMillion), policyMillion.Process, UpstreamCpuSeconds: upstream),
                ], cancellationToken);
            }

            await MeasureMemoryAsync(passThrough, cancellationToken);
        }

        await MeasureStoresAsync(upstreamUrl, fixture, run, cancellationToken);

        // The peers keep one upstream per MCP session, which only clients using the initialize handshake have
        // (protocol 2025-11-25); with 2026-07-28 clients supergateway starts an upstream process per request.
        // So every stdio row, the gateway's too, runs with session clients.
        // (e0) is the floor under the gateway over stdio, as (b0) is under (b): the SDK's server relaying each call to the
        // SDK's stdio client of its own child, with none of the gateway's code.
        var session = LoadTarget.SessionProtocol;
        var proxyPort = Ports.Free();
        var superPort = Ports.Free();
        var stdioRelayPort = Ports.Free();
        await using (var stdio = await StartGatewayAsync("stdio", Stdio(), cancellationToken))
        await using (var stdioRelay = await ManagedProcess.StartAsync("dotnet", [Paths.SdkRelay, "--listen", $"http://127.0.0.1:{stdioRelayPort}", "--upstream-command", "dotnet", Paths.Fixture], stdioRelayPort))
        await using (var proxy = await TryStartPeerAsync("(e) mcp-proxy over stdio", proxyPort,
            [Path.Combine(Paths.NodeModules, "mcp-proxy", "dist", "bin", "mcp-proxy.mjs"), "--port", proxyPort.ToString(CultureInfo.InvariantCulture), "--host", "127.0.0.1", "--server", "stream", "--", "dotnet", Paths.Fixture]))
        await using (var super = await TryStartPeerAsync("(e) supergateway over stdio (--stateful)", superPort,
            [Path.Combine(Paths.NodeModules, "supergateway", "dist", "index.js"), "--stdio", $"dotnet {Paths.Fixture}", "--outputTransport", "streamableHttp", "--stateful", "--port", superPort.ToString(CultureInfo.InvariantCulture), "--logLevel", "none"]))
        {
            // Over stdio the upstream is each proxy's own children (one per session for supergateway --stateful).
            List<MeasuredRow> stdioRows =
            [
                new(new LoadTarget("(e0) MCP SDK relay over stdio, no gateway code", new Uri($"http://127.0.0.1:{stdioRelayPort}/mcp"), "echo", echo, ProtocolVersion: session), stdioRelay, UpstreamCpuSeconds: Children(stdioRelay)),
                new(new LoadTarget("(e) gateway over stdio", stdio.Endpoint("echo"), "echo", echo, ProtocolVersion: session), stdio.Process, UpstreamCpuSeconds: Children(stdio.Process)),
            ];
            if (proxy is not null)
            {
                stdioRows.Add(new(new LoadTarget("(e) mcp-proxy over stdio", new Uri($"http://127.0.0.1:{proxyPort}/mcp"), "echo", echo, ProtocolVersion: session), proxy, UpstreamCpuSeconds: Children(proxy)));
            }

            if (super is not null)
            {
                // supergateway's README: stateful mode keeps one child per session, so C clients mean C upstream
                // processes; they get a longer warm-up so every child has started and compiled its call path first.
                stdioRows.Add(new(new LoadTarget("(e) supergateway over stdio (--stateful)", new Uri($"http://127.0.0.1:{superPort}/mcp"), "echo", echo, ProtocolVersion: session), super, warmup + TimeSpan.FromSeconds(10), UpstreamCpuSeconds: Children(super)));
            }

            await MeasureGroupAsync(stdioRows, cancellationToken);
        }

        if (withPerRequestPeer)
        {
            await MeasurePeerAsync("(x) supergateway, 2026-07-28 clients (a child process per request)", null, port =>
                [Path.Combine(Paths.NodeModules, "supergateway", "dist", "index.js"), "--stdio", $"dotnet {Paths.Fixture}", "--outputTransport", "streamableHttp", "--port", port.ToString(CultureInfo.InvariantCulture), "--logLevel", "none"], cancellationToken);
        }

        await MeasureLargeCatalogAsync(echo, cancellationToken);
        return Render();
    }

    private static Func<double> Children(ManagedProcess process) => () => ManagedProcess.CpuSecondsOfDescendants(process.Id);

    private async Task MeasureAsync(LoadTarget target, ManagedProcess server, CancellationToken cancellationToken) =>
        _rows.Add(await RunRowAsync(new MeasuredRow(target, server), warmup, cancellationToken));

    /// <summary>
    /// Measures the rows in order, then in reverse order, and so on for <c>passes</c> passes (each process is warm after
    /// the first, so later passes have only a short warm-up), and reports each row as all its runs together.
    /// </summary>
    private async Task MeasureGroupAsync(IReadOnlyList<MeasuredRow> rows, CancellationToken cancellationToken)
    {
        var results = new LoadResult?[rows.Count];
        for (var pass = 0; pass < passes; pass++)
        {
            for (var k = 0; k < rows.Count; k++)
            {
                var i = pass % 2 == 0 ? k : rows.Count - 1 - k;
                var result = await RunRowAsync(rows[i], pass == 0 ? rows[i].Warmup ?? warmup : LaterPassWarmup, cancellationToken);
                results[i] = results[i] is { } earlier ? earlier.With(result) : result;
            }
        }

        _rows.AddRange(results.OfType<LoadResult>());
    }

    private async Task<LoadResult> RunRowAsync(MeasuredRow row, TimeSpan rowWarmup, CancellationToken cancellationToken)
    {
        Console.Error.WriteLine($"measuring {row.Target.Name} …");
        var result = await LoadRunner.RunAsync(row.Target, clients, duration, rowWarmup, cancellationToken, row.Server.Id, settle,
            row.StoreCommand is { } command ? () => ManagedProcess.CpuSecondsOfAll(command) : null, row.UpstreamCpuSeconds);
        Console.Error.WriteLine($"  {result.Throughput:F0} calls/s, p50 {result.P50Ms:F2} ms, {result.CpuMsPerCall:F3} CPU ms/call, {result.KibPerCall:F1} KiB/call, machine {result.MachineBusyCores:F2} cores busy, settle: {result.Settled},{(result.StoreCpuMsPerCall is { } store ? $" store server {store:F3} CPU ms/call," : "")} replays {result.Replays}, errors {result.Errors}{(result.FirstError is null ? "" : " first: " + result.FirstError)}");
        return result;
    }

    /// <summary>Starts a Node peer; null, with a note for the table, when it cannot be started here.</summary>
    private async Task<ManagedProcess?> TryStartPeerAsync(string name, int port, string[] args)
    {
        try
        {
            return await ManagedProcess.StartAsync(Paths.Node, args, port);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or HttpRequestException or System.ComponentModel.Win32Exception)
        {
            _notes.Add($"{name} not measured: {ex.Message.Split('\n')[0]}");
            return null;
        }
    }

    private async Task MeasurePeerAsync(string name, string? protocolVersion, Func<int, string[]> args, CancellationToken cancellationToken)
    {
        var port = Ports.Free();
        await using var peer = await TryStartPeerAsync(name, port, args(port));
        if (peer is not null)
        {
            await MeasureAsync(new LoadTarget(name, new Uri($"http://127.0.0.1:{port}/mcp"), "echo", LoadTarget.EchoArguments, ProtocolVersion: protocolVersion), peer, cancellationToken);
        }
    }

    private async Task MeasureMemoryAsync(GatewayRun gateway, CancellationToken cancellationToken)
    {
        Console.Error.WriteLine($"memory with {memoryClients} concurrent clients …");
        var before = gateway.Process.ResidentMebibytes();
        var result = await LoadRunner.RunAsync(new LoadTarget($"pass-through, {memoryClients} clients", gateway.Endpoint("echo"), "echo", LoadTarget.EchoArguments), memoryClients, duration, warmup, cancellationToken);
        var after = gateway.Process.ResidentMebibytes();
        var peak = gateway.Process.ResidentMebibytes("VmHWM:");
        _scale.Add(($"gateway resident memory, after start and the 32-client row", before, "MiB"));
        _scale.Add(($"gateway resident memory after {memoryClients} concurrent clients called for {duration.TotalSeconds:0} s", after, "MiB"));
        _scale.Add(($"gateway peak resident memory (VmHWM)", peak, "MiB"));
        _scale.Add(($"errors with {memoryClients} concurrent clients", result.Errors, ""));
        _scale.Add(($"throughput with {memoryClients} concurrent clients", result.Throughput, "calls/s"));
        _scale.Add(($"p99 with {memoryClients} concurrent clients", result.P99Ms, "ms"));
    }

    private async Task MeasureLargeCatalogAsync(Func<IDictionary<string, System.Text.Json.JsonElement>> echo, CancellationToken cancellationToken)
    {
        var port = Ports.Free();
        await using var big = await ManagedProcess.StartAsync("dotnet", [Paths.Fixture, "--http", $"http://127.0.0.1:{port}", "--extra-tools", "1000"], port);
        var config = PassThrough($"http://127.0.0.1:{port}/mcp");
        var allow = config["connectors"]![0]!["tools_allow"]!.AsArray();
        var tools = config["connectors"]![0]!["tools"]!.AsObject();
        for (var i = 0; i < 1000; i++)
        {
            // Declared read-only as the echo tool is: unpinned, the upstream's readOnlyHint alone does not make a read.
            allow.Add($"extra_{i:D4}");
            tools[$"extra_{i:D4}"] = new JsonObject { ["read_only"] = true };
        }

        // The 1,000-tool call is compared with the 1-tool call in front of the same upstream, and its tools/list with the
        // upstream's own, each pair measured as a group.
        await using var gateway = await StartGatewayAsync("big", config, cancellationToken);
        await using var small = await StartGatewayAsync("small", PassThrough($"http://127.0.0.1:{port}/mcp"), cancellationToken);
        await MeasureGroupAsync(
        [
            new(new LoadTarget("(a) upstream directly, 1,000 tools: tools/list", new Uri($"http://127.0.0.1:{port}/mcp"), null, echo), big),
            new(new LoadTarget("(b) pass-through, 1,000 tools: tools/list", gateway.Endpoint("echo"), null, echo), gateway.Process, UpstreamCpuSeconds: big.CpuSeconds),
            new(new LoadTarget("(b) pass-through, 1 tool allowed: tools/list", small.Endpoint("echo"), null, echo), small.Process, UpstreamCpuSeconds: big.CpuSeconds),
        ], cancellationToken);
        await MeasureGroupAsync(
        [
            new(new LoadTarget("(b) pass-through, 1,000 tools: call", gateway.Endpoint("echo"), "echo", echo), gateway.Process, UpstreamCpuSeconds: big.CpuSeconds),
            new(new LoadTarget("(b) pass-through, 1 tool allowed: call", small.Endpoint("echo"), "echo", echo), small.Process, UpstreamCpuSeconds: big.CpuSeconds),
        ], cancellationToken);
    }

    /// <summary>
    /// (f): the same policy without inbound auth (the development identity is single-replica only), read and write,
    /// on each state store: SQLite, then Redis (<c>appendfsync always</c>) and PostgreSQL (durable defaults), each
    /// a real server on this machine reached on its unix socket.
    /// </summary>
    private async Task MeasureStoresAsync(string upstreamUrl, ManagedProcess fixture, string run, CancellationToken cancellationToken)
    {
        foreach (var store in new[] { "sqlite", "redis", "postgres" })
        {
            await using IAsyncDisposable? server = store switch
            {
                "redis" => (IAsyncDisposable)await Portcullis.Testing.Servers.RedisServer.StartAsync(durable: true),
                "postgres" => await Portcullis.Testing.Servers.PostgresServer.StartAsync(durable: true),
                _ => null,
            };
            var connection = server switch
            {
                Portcullis.Testing.Servers.RedisServer redis => redis.ConnectionString,
                Portcullis.Testing.Servers.PostgresServer postgres => postgres.ConnectionString,
                _ => null,
            };
            var label = store switch { "redis" => "Redis", "postgres" => "PostgreSQL", _ => "SQLite" };
            var storeCommand = store switch { "redis" => "redis-server", "postgres" => "postgres", _ => null };
            await using var gateway = await StartGatewayAsync("store-" + store, NoAuthPolicy(upstreamUrl), cancellationToken, connection is null ? null : data =>
            {
                Directory.CreateDirectory(data);
                File.WriteAllText(Path.Combine(data, "..", "state-connection"), connection);
            }, store);
            await MeasureGroupAsync(
            [
                new(new LoadTarget($"(f) gateway policy without auth, read ({label})", gateway.Endpoint("policy"), "echo", LoadTarget.EchoArguments), gateway.Process, StoreCommand: storeCommand, UpstreamCpuSeconds: fixture.CpuSeconds),
                new(new LoadTarget($"(f) gateway policy without auth, write (unique keys, {label})", gateway.Endpoint("policy"), "record", LoadTarget.UniqueWriteArguments(run + store)), gateway.Process, StoreCommand: storeCommand, UpstreamCpuSeconds: fixture.CpuSeconds),
            ], cancellationToken);
        }
    }

    private static JsonObject NoAuthPolicy(string upstreamUrl)
    {
        var config = FullPolicy(upstreamUrl);
        config.Remove("identity");
        var connector = config["connectors"]![0]!;
        connector["auth"] = new JsonObject { ["mode"] = "none" };
        foreach (var tool in new[] { "echo", "record" })
        {
            connector["tools"]![tool]!.AsObject().Remove("scopes");
        }

        return config;
    }

    private async Task<GatewayRun> StartGatewayAsync(string name, JsonObject config, CancellationToken cancellationToken, Action<string>? prepareDataDir = null, string store = "sqlite")
    {
        var port = Ports.Free();
        var dir = Path.Combine(_work, name);
        Directory.CreateDirectory(dir);
        prepareDataDir?.Invoke(Path.Combine(dir, "data"));
        config["listen"] = $"http://127.0.0.1:{port}";
        if (store != "sqlite")
        {
            config["state"] = new JsonObject { ["store"] = store, ["connection"] = "file:state-connection" };
            config["replica"] = new JsonObject { ["advertise_url"] = $"http://127.0.0.1:{port}" };
            if (store == "redis")
            {
                // Redis keeps no audit trail: one JSON line a call, as a replica on Redis would write it.
                config["audit"] = new JsonObject { ["sink"] = "jsonl", ["path"] = Path.Combine(dir, "audit.jsonl") };
            }
        }

        var path = Path.Combine(dir, "portcullis.json");
        await File.WriteAllTextAsync(path, config.ToJsonString(), cancellationToken);
        var process = await ManagedProcess.StartAsync("dotnet", [Paths.Gateway, "serve", "--config", path, "--data-dir", Path.Combine(dir, "data")], port);
        var run = new GatewayRun(process, $"http://127.0.0.1:{port}", path, Path.Combine(dir, "data"));
        await run.WaitReadyAsync(cancellationToken);
        return run;
    }

    /// <summary>Completed keys of the dev token's caller (<c>dev-user</c>, client <c>portcullis-dev</c>) for <c>record</c>.</summary>
    private static void PrefillKeys(string dataDir, int count) => PrefillKeysInto(Path.Combine(dataDir, "idempotency.db"), count);

    /// <summary>The (d) rows' idempotency store file, for loading one gateway by hand (<c>--prefill-keys</c>).</summary>
    public static void PrefillKeysInto(string file, int count)
    {
        Console.Error.WriteLine($"pre-filling the idempotency store with {count:N0} keys …");
        StoredKeyFile.CopyTo(file, count, "bench", "policy", "dev-user\u001fportcullis-dev", "record");
    }

    private static JsonObject PassThrough(string upstreamUrl) => new()
    {
        ["environment"] = "bench",
        ["connectors"] = new JsonArray(new JsonObject
        {
            ["server"] = "echo",
            ["environment"] = "bench",
            ["upstream"] = new JsonObject { ["url"] = upstreamUrl },
            ["auth"] = new JsonObject { ["mode"] = "none" },
            ["tools_allow"] = new JsonArray("echo"),
            ["tools"] = new JsonObject { ["echo"] = new JsonObject { ["read_only"] = true } },
        }),
    };

    private static JsonObject Stdio()
    {
        var config = PassThrough("http://unused");
        config["connectors"]![0]!["upstream"] = new JsonObject { ["command"] = "dotnet", ["args"] = new JsonArray(Paths.Fixture) };
        return config;
    }

    private static JsonObject FullPolicy(string upstreamUrl) => new()
    {
        ["environment"] = "bench",
        ["identity"] = new JsonObject { ["dev"] = true },
        ["connectors"] = new JsonArray(new JsonObject
        {
            ["server"] = "policy",
            ["environment"] = "bench",
            ["upstream"] = new JsonObject { ["url"] = upstreamUrl },
            ["auth"] = new JsonObject { ["mode"] = "oauth", ["scopes"] = new JsonArray("echo:read", "record:write") },
            ["rate_limit"] = new JsonObject { ["permits"] = 1_000_000, ["window_seconds"] = 1 },
            ["tools_allow"] = new JsonArray("echo", "record"),
            ["tools"] = new JsonObject
            {
                ["echo"] = new JsonObject
                {
                    ["scopes"] = new JsonArray("echo:read"),
                    ["read_only"] = true,
                    ["input_schema"] = new JsonObject { ["properties"] = new JsonObject { ["text"] = new JsonObject { ["maxLength"] = 100 } } },
                },
                ["record"] = new JsonObject
                {
                    ["scopes"] = new JsonArray("record:write"),
                    ["input_schema"] = new JsonObject { ["properties"] = new JsonObject { ["note"] = new JsonObject { ["maxLength"] = 100 } } },
                },
            },
        }),
    };

    /// <summary>Calls a second the machine's cores allow when the other processes use <paramref name="besideMsPerCall"/> a call.</summary>
    private static double Ceiling(double besideMsPerCall) => besideMsPerCall > 0 ? MachineCpu.Cores * 1000 / besideMsPerCall : double.PositiveInfinity;

    private string Render()
    {
        var direct = _rows.FirstOrDefault(r => r.Name.StartsWith("(a)", StringComparison.Ordinal));
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{clients} concurrent clients, {duration.TotalSeconds:0} s per row after {warmup.TotalSeconds:0} s warm-up and up to {settle.TotalSeconds:0} s more until warm (\"settled\": a .NET process JIT-compiled fewer than 25 methods in 5 s; the Node peers' CPU per call in two 5 s windows agreed within 5 %); echo tool, one small argument. \"Machine busy\" is the cores of {MachineCpu.Cores} in use during the row, by every process.");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Rows compared with each other were measured as a group, every process of it started first: in order, then in reverse order, {passes} passes in all, each row loaded with {LaterPassWarmup.TotalSeconds:0} s of warm-up after its first run. \"Runs\" above 1 is such a row: its calls/s, CPU and allocation per call and busy cores are those of all its runs' calls together, its percentiles the mean of its runs', its \"settled after\" the first run's.");
        text.AppendLine();
        text.AppendLine("| row | runs | calls/s | p50 ms | p90 ms | p99 ms | errors | throughput vs (a) | p50 vs (a) | CPU ms per call (server process) | KiB allocated per call (server process) | machine busy, cores | settled after |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var row in _rows)
        {
            var throughputRatio = direct is null ? "" : (row.Throughput / direct.Throughput).ToString("F2", CultureInfo.InvariantCulture);
            var latencyRatio = direct is null ? "" : (row.P50Ms / direct.P50Ms).ToString("F2", CultureInfo.InvariantCulture);
            text.AppendLine(CultureInfo.InvariantCulture, $"| {row.Name} | {row.Passes} | {row.Throughput:F0} | {row.P50Ms:F2} | {row.P90Ms:F2} | {row.P99Ms:F2} | {row.Errors} | {throughputRatio} | {latencyRatio} | {row.CpuMsPerCall:F3} | {(row.KibPerCall is { } kib ? kib.ToString("F1", CultureInfo.InvariantCulture) : "")} | {row.MachineBusyCores:F2} | {row.Settled} |");
        }

        // Every process on these cores serves the calls: the load tool's clients, the upstream, a store's server. What they
        // use a call bounds the throughput of any process under test, even one that cost nothing.
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"| row | CPU ms per call: the process under test | its upstream (the fixture; over stdio, the proxy's children) | the state store's server | the load tool | all together | calls/s the {MachineCpu.Cores} cores allow beside the others, were the process under test free |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var row in _rows)
        {
            var beside = (row.UpstreamCpuMsPerCall ?? 0) + (row.StoreCpuMsPerCall ?? 0) + (row.LoadCpuMsPerCall ?? 0);
            text.AppendLine(CultureInfo.InvariantCulture, $"| {row.Name} | {row.CpuMsPerCall:F3} | {row.UpstreamCpuMsPerCall:F3} | {row.StoreCpuMsPerCall:F3} | {row.LoadCpuMsPerCall:F3} | {beside + (row.CpuMsPerCall ?? 0):F3} | {(beside > 0 ? (Ceiling(beside)).ToString("F0", CultureInfo.InvariantCulture) : "")} |");
        }

        var storeRows = _rows.Where(r => r.StoreCpuMsPerCall is not null).ToList();
        if (storeRows.Count > 0)
        {
            text.AppendLine();
            // In production the store's server runs on its own machine: what the cores would allow without its share of them.
            text.AppendLine("| row | the state store server's CPU ms per call (every `redis-server` or `postgres` process) | the gateway's | calls/s the cores would allow with the store's server on its own machine (over the gateway's, the upstream's and the load tool's CPU a call) |");
            text.AppendLine("|---|---:|---:|---:|");
            foreach (var row in storeRows)
            {
                var withoutStore = Ceiling((row.CpuMsPerCall ?? 0) + (row.UpstreamCpuMsPerCall ?? 0) + (row.LoadCpuMsPerCall ?? 0));
                text.AppendLine(CultureInfo.InvariantCulture, $"| {row.Name} | {row.StoreCpuMsPerCall:F3} | {row.CpuMsPerCall:F3} | {withoutStore:F0} |");
            }
        }

        var gatewayStdio = _rows.FirstOrDefault(r => r.Name == "(e) gateway over stdio");
        if (gatewayStdio is not null)
        {
            text.AppendLine();
            // The most any proxy could do here: the load tool's and the upstream child's CPU a call, as the gateway's row
            // measured them, on the machine's cores, with a proxy that cost nothing.
            var freeProxy = Ceiling((gatewayStdio.LoadCpuMsPerCall ?? 0) + (gatewayStdio.UpstreamCpuMsPerCall ?? 0));
            // The SDK relay over stdio, (e0), against the same peers: what the floor under the gateway's row reaches alone.
            var relayStdio = _rows.FirstOrDefault(r => r.Name.StartsWith("(e0)", StringComparison.Ordinal));
            text.AppendLine(CultureInfo.InvariantCulture, $"| against | the gateway over stdio: throughput ratio (higher is better) | p50 ratio (lower is better) | CPU per call ratio (lower is better) | the SDK relay over stdio, (e0): throughput ratio | CPU per call ratio | the most a proxy that cost nothing could reach against it here ({freeProxy:F0} calls/s: the cores over the gateway row's load tool and upstream child) |");
            text.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
            foreach (var peer in _rows.Where(r => (r.Name.StartsWith("(e)", StringComparison.Ordinal) || r.Name.StartsWith("(x)", StringComparison.Ordinal)) && r != gatewayStdio))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| {peer.Name} | {gatewayStdio.Throughput / peer.Throughput:F2}× | {gatewayStdio.P50Ms / peer.P50Ms:F2} | {gatewayStdio.CpuMsPerCall / peer.CpuMsPerCall:F2} | {relayStdio?.Throughput / peer.Throughput:F2}× | {relayStdio?.CpuMsPerCall / peer.CpuMsPerCall:F2} | {freeProxy / peer.Throughput:F2}× |");
            }
        }

        if (_scale.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("| scale | value |");
            text.AppendLine("|---|---:|");
            foreach (var (name, value, unit) in _scale)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {value:F1} {unit} |");
            }
        }

        foreach (var row in _rows.Where(r => r.Replays > 0))
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"Note: {row.Name}: {row.Replays} of its {row.Calls} calls were answered as replays of an earlier call; a write row should have none.");
        }

        foreach (var note in _notes)
        {
            text.AppendLine();
            text.AppendLine("Note: " + note);
        }

        return text.ToString();
    }
}
