using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Review;

/// <summary>
/// The smallest gateway for review tests: the fixture upstream's <c>echo</c>, a write under reviewer-mode review
/// (scope <c>echo:write</c>), the development identity and an admin plane on a port of its own.
/// </summary>
internal static class ReviewedEchoGateway
{
    public const string Scope = "echo:write";

    /// <summary>The config; <paramref name="environment"/> names the gateway's and the connector's environment when set.</summary>
    public static JsonObject Config(string? environment = null)
    {
        var connector = TestConfig.Protect(TestConfig.FixtureConnector("fixture", ["echo"], tools: new JsonObject
        {
            ["echo"] = new JsonObject
            {
                ["scopes"] = new JsonArray(Scope),
                ["read_only"] = false,
                ["review"] = new JsonObject { ["required"] = true, ["mode"] = "reviewer" },
            },
        }), [Scope]);
        if (environment is not null)
        {
            connector["environment"] = environment;
        }

        var config = TestConfig.Gateway(connector);
        if (environment is not null)
        {
            config["environment"] = environment;
        }

        config["identity"] = new JsonObject { ["dev"] = true };
        config["admin"] = new JsonObject { ["listen"] = "http://127.0.0.1:0" };
        return config;
    }

    public static Task<GatewayProcess> StartAsync(TempDir dir, JsonObject config) => GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));

    /// <summary>A 2025-11-25 client of <c>fixture</c> for <paramref name="subject"/>, with the scope <c>echo</c> needs.</summary>
    public static async Task<McpClient> AgentAsync(GatewayProcess gateway, string subject) =>
        await McpClients.ConnectAsync(gateway.Endpoint("fixture"), await PortcullisCli.DevTokenAsync(gateway, "fixture", Scope, subject), "2025-11-25");
}
