using System.Text.Json.Nodes;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Schemas;

/// <summary>Overlays are checked against the upstream's schema once its tool list is known: loosening stops the gateway.</summary>
public sealed class OverlayStartupTests
{
    public static TheoryData<string> Refused => CatalogRefusalCases.ServeRefused("overlay-loosens");

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Serve_OverlayLoosensUpstreamSchema_ExitsWithCode2NamingToolAndKeyword(string name)
    {
        var refusal = CatalogRefusalCases.Get(name);
        using var dir = new TempDir();

        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, refusal.Config.DeepClone().AsObject()), dir.File("data"), waitReady: false);
        var exit = await gateway.WaitForExitAsync(Timeouts.Startup);

        Assert.Equal(2, exit);
        Assert.All(refusal.Texts, text => Assert.Contains(text, gateway.Output, StringComparison.Ordinal));
        Assert.DoesNotContain("Portcullis is listening", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Application started", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(gateway.Output.Split('\n'), l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Lint_OverlayWithUnsupportedKeywordAndBadPattern_ReportsBothPaths()
    {
        using var dir = new TempDir();
        var tools = new JsonObject
        {
            ["echo"] = new JsonObject
            {
                ["input_schema"] = JsonNode.Parse("""{"minProperties": 1, "properties": {"text": {"pattern": "((", "additionalProperties": true}}}"""),
            },
        };
        var path = TestConfig.Write(dir, TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["echo"], tools: tools)));

        var (exit, output) = await LintAsync(path);

        Assert.Equal(2, exit);
        Assert.Contains("$.connectors[0].tools.echo.input_schema.minProperties", output, StringComparison.Ordinal);
        Assert.Contains("$.connectors[0].tools.echo.input_schema.properties.text.pattern", output, StringComparison.Ordinal);
        Assert.Contains("$.connectors[0].tools.echo.input_schema.properties.text.additionalProperties", output, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Output)> LintAsync(string configPath)
    {
        var (exit, _, output) = await PortcullisCli.RunAsync("lint", "--config", configPath, "--offline");
        return (exit, output);
    }
}
