using System.Text.Json.Nodes;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Audit;

/// <summary>
/// One gateway for the audit, metrics and admin tests: the fixture over stdio (<c>fx</c>, anonymous, with a rate
/// limit, short timeouts and a small string limit), over Streamable HTTP (<c>remote</c>, faults on demand) and behind
/// oauth with step-up (<c>sec</c>, whose callers have a client id); the development identity; the admin plane on a port of its own.
/// </summary>
public sealed class AuditGateway : IAsyncLifetime
{
    private readonly TempDir _dir = new();

    internal GatewayProcess Gateway { get; private set; } = null!;

    internal AdminPlane Admin { get; private set; } = null!;

    internal FixtureHttpServer Upstream { get; private set; } = null!;

    public string RecordPath => _dir.File("calls.jsonl");

    internal string AdminToken { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Upstream = await FixtureHttpServer.StartAsync();
        var fx = TestConfig.FixtureConnector("fx", ["echo", "fail", "rich", "protocol_error", "typed", "wait", "record", "record_all", "slow", "seen_meta"], RecordPath,
            new JsonObject
            {
                ["rich"] = new JsonObject { ["rate_limit"] = new JsonObject { ["permits"] = 1, ["window_seconds"] = 3600 } },
                ["wait"] = new JsonObject { ["timeout_seconds"] = 1 },
                ["slow"] = new JsonObject { ["timeout_seconds"] = 3 },
            });
        var sec = TestConfig.Protect(
            TestConfig.FixtureConnector("sec", ["echo", "typed", "record"], tools: new JsonObject
            {
                ["echo"] = TestConfig.Tool(["fixture:read"]),
                ["typed"] = TestConfig.Tool(["fixture:typed"]),
                ["record"] = TestConfig.Tool(["fixture:write"], readOnly: false),
            }),
            ["fixture:read", "fixture:typed", "fixture:write"],
            stepUp: true);
        var config = TestConfig.Gateway(fx, TestConfig.HttpConnector("remote", Upstream.McpUrl, ["echo", "record"]), sec);
        config["identity"] = new JsonObject { ["dev"] = true };
        config["limits"] = new JsonObject { ["max_string_length"] = 4096 };
        Gateway = await GatewayProcess.StartAsync(TestConfig.Write(_dir, config), _dir.File("data"), extraArgs: AdminPlane.ServeArgs);
        Admin = await AdminPlane.OfAsync(Gateway);
        AdminToken = await Admin.TokenAsync();
    }

    internal Task<string> ConnectorTokenAsync(string scopes) => PortcullisCli.DevTokenAsync(Gateway, "sec", scopes);

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Upstream.DisposeAsync();
        _dir.Dispose();
    }
}
