using System.Text.Json.Nodes;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Auth;

/// <summary>Destructive tools (annotated, or unannotated by the spec's default) are refused unless opted in.</summary>
public sealed class DestructiveToolTests
{
    public static TheoryData<string> Refused => CatalogRefusalCases.ServeRefused("destructive-not-opted-in");

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Serve_DestructiveToolAllowListedWithoutOptIn_RefusesTheConfig(string name)
    {
        var refusal = CatalogRefusalCases.Get(name);
        using var dir = new TempDir();

        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, refusal.Config.DeepClone().AsObject()), dir.File("data"), waitReady: false);
        var exit = await gateway.WaitForExitAsync(Timeouts.Startup);

        // Refused before Kestrel listens: the error names the config path, and nothing ever served.
        Assert.Equal(2, exit);
        Assert.All(refusal.Texts, text => Assert.Contains(text, gateway.Output, StringComparison.Ordinal));
        Assert.DoesNotContain("Portcullis is listening", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Application started", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(gateway.Output.Split('\n'), l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CallTool_DestructiveToolOptedIn_IsExposedAndCallable()
    {
        using var dir = new TempDir();
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["wipe", "unannotated"], tools: new JsonObject
        {
            ["wipe"] = new JsonObject { ["allow_destructive"] = true, ["review"] = new JsonObject { ["required"] = false } },
            ["unannotated"] = new JsonObject { ["allow_destructive"] = true, ["review"] = new JsonObject { ["required"] = false } },
        }));
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"));

        var tools = await client.ListToolsAsync(cancellationToken: Timeouts.CallToken);

        Assert.Equal(["unannotated", "wipe"], tools.Select(t => t.Name).Order());
        var wiped = await client.CallToolAsync("wipe", new Dictionary<string, object?> { ["idempotency_key"] = "k-1" }, cancellationToken: Timeouts.CallToken);
        Assert.NotEqual(true, wiped.IsError);
    }

    [Fact]
    public async Task Serve_DestructiveToolOptedInWithoutReview_RefusesTheConfig()
    {
        using var dir = new TempDir();
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["wipe"], tools: new JsonObject
        {
            ["wipe"] = new JsonObject { ["allow_destructive"] = true },
        }));

        var (exit, _, output) = await PortcullisCli.RunAsync("serve", "--config", TestConfig.Write(dir, config), "--listen", "http://127.0.0.1:0", "--data-dir", dir.File("data"));

        Assert.Equal(2, exit);
        Assert.Contains("$.connectors[0].tools.wipe.allow_destructive", output, StringComparison.Ordinal);
        Assert.Contains("must declare its review", output, StringComparison.Ordinal);
    }
}
