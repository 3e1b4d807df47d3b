using System.Text.Json.Nodes;
using Portcullis.Testing.Servers;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Replicas;

/// <summary>
/// Three real gateway processes on one shared state store, behind a real nginx balancing round robin, with an
/// identity provider of the test's own. Each replica runs its own CRM child process; all three write the one CRM
/// database, which is the witness of what was done.
/// </summary>
public abstract class ReplicaCluster : IAsyncLifetime
{
    public const int Count = 3;

    /// <summary>The timeout of the asking connector's <c>test_elicitation</c>.</summary>
    public const int AskingTimeoutSeconds = 10;

    /// <summary>The budget of <c>list_notes</c>, per principal, across the replicas.</summary>
    public const int ListNotesPermits = 5;

    private readonly TempDir _dir = new();
    private int[] _ports = [];

    internal TestIdentityProvider Identity { get; private set; } = null!;

    internal NginxServer Nginx { get; private set; } = null!;

    internal GatewayProcess[] Gateways { get; } = new GatewayProcess[Count];

    /// <summary>The folder of the CRM database all replicas' upstreams share.</summary>
    public string CrmDataDir => _dir.File("crm");

    public Uri Endpoint => new($"{Nginx.BaseUrl}/mcp/crm");

    /// <summary>Replica <paramref name="index"/>'s own CRM endpoint, known before it listens (it binds the port it bound first).</summary>
    public Uri DirectEndpoint(int index) => new($"http://{Address(index)}/mcp/crm");

    /// <summary>The conformance fixture's connector, whose <c>test_elicitation</c> asks the caller during the call.</summary>
    public Uri AskingEndpoint => new($"{Nginx.BaseUrl}/mcp/asking");

    /// <summary>The shipped conformance sample's connector, without authentication, through the balancer.</summary>
    public Uri ConformanceEndpoint => new($"{Nginx.BaseUrl}/mcp/conformance");

    /// <summary>The <c>host:port</c> nginx names replica <paramref name="index"/> by in its access log.</summary>
    public string Address(int index) => $"127.0.0.1:{_ports[index]}";

    protected abstract string Store { get; }

    /// <summary>Starts the store's server and returns the connection string the replicas use.</summary>
    protected abstract Task<string> StartStoreAsync();

    protected abstract ValueTask StopStoreAsync();

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(CrmDataDir);
        // nginx first (its address is the replicas' public URL), balancing over nothing yet; the replicas bind port 0
        // and advertise the port they bound; then nginx is pointed at them.
        var identity = TestIdentityProvider.StartAsync();
        var store = StartStoreAsync();
        var nginx = NginxServer.StartAsync([]);
        Identity = await identity;
        File.WriteAllText(_dir.File("state-connection"), await store);
        Nginx = await nginx;
        for (var i = 0; i < Count; i++)
        {
            File.WriteAllText(_dir.File($"replica-{i}.json"), Config(i).ToJsonString());
        }

        var started = await Task.WhenAll(Enumerable.Range(0, Count).Select(i =>
            GatewayProcess.StartAsync(_dir.File($"replica-{i}.json"), _dir.File($"data-{i}"))));
        started.CopyTo(Gateways, 0);
        _ports = [.. started.Select(g => new Uri(g.BaseUrl).Port)];
        await Nginx.RouteToAsync([.. Enumerable.Range(0, Count).Select(Address)], Timeouts.Startup);
    }

    /// <summary>A token for the CRM connector with every scope it grants, for <paramref name="subject"/>.</summary>
    public string Token(string subject) =>
        Identity.Mint(Endpoint.ToString(), "contacts:read notes:read notes:write", change: claims => claims["sub"] = subject);

    /// <summary>The CRM connector whose <c>add_note</c> waits for a reviewer, through the balancer.</summary>
    public Uri ReviewEndpoint => new($"{Nginx.BaseUrl}/mcp/crm-review");

    /// <summary>A token for the reviewed CRM connector with every scope it grants, for <paramref name="subject"/>.</summary>
    public string ReviewToken(string subject) =>
        Identity.Mint(ReviewEndpoint.ToString(), "contacts:read notes:read notes:write", change: claims => claims["sub"] = subject);

    /// <summary>A token for the CRM connector whose <c>add_note</c> the calling user confirms, for <paramref name="subject"/>.</summary>
    public string ConfirmToken(string subject) =>
        Identity.Mint($"{Nginx.BaseUrl}/mcp/crm-confirm", "contacts:read notes:read notes:write", change: claims => claims["sub"] = subject);

    /// <summary>A token for the admin plane whose audience is <paramref name="audience"/> (its base URL and <c>/admin</c>) with <paramref name="scopes"/>, for <paramref name="subject"/>.</summary>
    public string AdminToken(string audience, string scopes, string subject) =>
        Identity.Mint(audience, scopes, change: claims => claims["sub"] = subject);

    /// <summary>A token for the asking connector.</summary>
    public string AskingToken(string subject) =>
        Identity.Mint(AskingEndpoint.ToString(), "test:ask", change: claims => claims["sub"] = subject);

    /// <summary>A token for the connector whose <c>test_elicitation</c> is a write (it needs an idempotency key).</summary>
    public string AskingWriteToken(string subject) =>
        Identity.Mint($"{Nginx.BaseUrl}/mcp/asking-write", "test:ask", change: claims => claims["sub"] = subject);

    /// <summary>Waits until every replica serves, restarting any that died (a test that failed half-way leaves them so).</summary>
    internal async Task EnsureReadyAsync()
    {
        for (var i = 0; i < Count; i++)
        {
            if (Gateways[i].HasExited)
            {
                await StartAgainAsync(i);
            }

            await Gateways[i].WaitListeningAsync(Timeouts.Startup);
            await Gateways[i].WaitReadyAsync(Timeouts.Startup);
        }

        await Nginx.WaitReachesAllAsync([.. Enumerable.Range(0, Count).Select(Address)], Timeouts.Startup);
    }

    /// <summary>Kills replica <paramref name="index"/> with SIGKILL.</summary>
    internal Task KillAsync(int index) => Gateways[index].KillAsync();

    /// <summary>Starts replica <paramref name="index"/> again on the port it bound first (nginx knows it by that port), its config and data dir.</summary>
    internal async Task<GatewayProcess> StartAgainAsync(int index, bool waitReady = true)
    {
        var old = Gateways[index];
        await old.DisposeAsync();
        Gateways[index] = await GatewayProcess.StartAsync(old.ConfigPath, old.DataDir, waitReady, _ports[index]);
        return Gateways[index];
    }

    private JsonObject Config(int index)
    {
        var crm = TestConfig.Protect(TestConfig.CrmConnector(tools: new JsonObject
        {
            ["find_contact"] = TestConfig.Tool(["contacts:read"]),
            ["list_notes"] = new JsonObject
            {
                ["scopes"] = new JsonArray("notes:read"),
                ["read_only"] = true,
                ["rate_limit"] = new JsonObject { ["permits"] = ListNotesPermits, ["window_seconds"] = 3600 },
            },
            ["add_note"] = new JsonObject { ["scopes"] = new JsonArray("notes:write"), ["timeout_seconds"] = 20 },
        }), ["contacts:read", "notes:read", "notes:write"]);
        crm["upstream"]!["args"] = new JsonArray(RepoPaths.Crm, "--db", Path.Combine(CrmDataDir, "crm.db"));
        var asking = TestConfig.Protect(new JsonObject
        {
            ["server"] = "asking",
            ["environment"] = "test",
            ["upstream"] = new JsonObject { ["command"] = "dotnet", ["args"] = new JsonArray(Conformance.ConformanceConfig.FixtureDll) },
            ["tools_allow"] = new JsonArray("test_elicitation", "test_touch_resource"),
            ["resources_allow"] = new JsonArray("test://watched-resource"),
            ["resources"] = new JsonObject { ["test://watched-resource"] = new JsonObject { ["scopes"] = new JsonArray("test:ask") } },
            ["tools"] = new JsonObject
            {
                ["test_touch_resource"] = new JsonObject { ["scopes"] = new JsonArray("test:ask"), ["read_only"] = true },
                ["test_elicitation"] = new JsonObject
                {
                    ["scopes"] = new JsonArray("test:ask"),
                    ["read_only"] = true,
                    ["timeout_seconds"] = AskingTimeoutSeconds,
                },
            },
        }, ["test:ask"]);
        var askingWrite = asking.DeepClone().AsObject();
        askingWrite["server"] = "asking-write";
        askingWrite["tools"]!["test_elicitation"]!["read_only"] = false;
        askingWrite["tools"]!["test_elicitation"]!["allow_destructive"] = true;
        askingWrite["tools"]!["test_elicitation"]!["review"] = new JsonObject { ["required"] = false };
        // The same CRM with add_note under a reviewer's review: held in the store, decided on any replica's admin plane.
        var crmReview = crm.DeepClone().AsObject();
        crmReview["server"] = "crm-review";
        crmReview["tools"]!["add_note"]!["review"] = new JsonObject { ["required"] = true, ["mode"] = "reviewer" };
        // The same CRM with add_note confirmed by the calling user (caller-mode review), asked by the replica holding the call.
        var crmConfirm = crm.DeepClone().AsObject();
        crmConfirm["server"] = "crm-confirm";
        crmConfirm["tools"]!["add_note"]!["review"] = new JsonObject { ["required"] = true, ["mode"] = "caller" };
        var config = TestConfig.Gateway(crm, asking, askingWrite, ConformanceConnector(), crmReview, crmConfirm);
        config["public_url"] = Nginx.BaseUrl;
        config["identity"] = new JsonObject { ["issuer"] = Identity.Issuer, ["jwks_uri"] = Identity.JwksUri };
        config["state"] = new JsonObject { ["store"] = Store, ["connection"] = "file:state-connection" };
        if (Store == "redis")
        {
            // Redis keeps no audit trail: each replica writes its own file (PostgreSQL keeps one trail for all).
            config["audit"] = new JsonObject { ["sink"] = "jsonl" };
        }

        // Each replica's own /metrics, on a port of the kernel's choosing.
        config["admin"] = new JsonObject { ["listen"] = "http://127.0.0.1:0" };

        // Port 0: each replica advertises the port it binds.
        config["replica"] = new JsonObject { ["id"] = $"replica-{index}", ["advertise_url"] = "http://127.0.0.1:0" };
        return config;
    }

    /// <summary>The shipped conformance sample's connector (no authentication, its tools read-only), its fixture at the built path.</summary>
    private static JsonObject ConformanceConnector()
    {
        var sample = JsonNode.Parse(File.ReadAllText(Conformance.ConformanceConfig.SampleConfig))!;
        var connector = sample["connectors"]![0]!.DeepClone().AsObject();
        connector["environment"] = "test";
        connector["upstream"]!["args"] = new JsonArray(Conformance.ConformanceConfig.FixtureDll);

        // Outside the dev environment a tool whose read-only hint no pin vouches for is a write: the config vouches.
        var tools = new JsonObject();
        foreach (var tool in connector["tools_allow"]!.AsArray())
        {
            tools[tool!.GetValue<string>()] = new JsonObject { ["read_only"] = true };
        }

        connector["tools"] = tools;
        return connector;
    }

    public async Task DisposeAsync()
    {
        foreach (var gateway in Gateways.Where(g => g is not null))
        {
            await gateway.DisposeAsync();
        }

        await Nginx.DisposeAsync();
        await Identity.DisposeAsync();
        await StopStoreAsync();
        _dir.Dispose();
    }
}
