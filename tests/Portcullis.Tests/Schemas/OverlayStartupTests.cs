using System.Text.Json.Nodes;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Schemas;

/// <summary>Overlays are checked against the upstream's schema once its tool list is known: loosening stops the gateway.</summary>
public sealed class OverlayStartupTests
{
    [Theory]
    [InlineData("""{"properties": {"code": {"maxLength": 20}}}""", ".properties.code.maxLength", "maxLength")]
    [InlineData("""{"properties": {"code": {"enum": ["alpha", "delta"]}}}""", ".properties.code.enum", "enum")]
    [InlineData("""{"properties": {"level": {"type": "string"}}}""", ".properties.level.type", "type")]
    [InlineData("""{"properties": {"level": {"minimum": 0}}}""", ".properties.level.minimum", "minimum")]
    [InlineData("""{"properties": {"other": {"maxLength": 3}}}""", ".properties.other", "properties")]
    public async Task Serve_OverlayLoosensUpstreamSchema_ExitsWithCode2BeforeListeningNamingPathAndKeyword(string overlay, string path, string keyword)
    {
        using var dir = new TempDir();
        var tools = new JsonObject { ["strict"] = new JsonObject { ["input_schema"] = JsonNode.Parse(overlay) } };
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["strict", "echo"], tools: tools));

        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"), waitReady: false);
        var exit = await gateway.WaitForExitAsync(Timeouts.Startup);

        Assert.Equal(2, exit);
        Assert.Contains($"$.connectors[0].tools.strict.input_schema{path}: would loosen the upstream's schema of 'strict'", gateway.Output, StringComparison.Ordinal);
        Assert.Contains($" {keyword}: ", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Portcullis is listening", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Application started", gateway.Output, StringComparison.Ordinal);
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
        var start = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { RepoPaths.Gateway, "lint", "--config", configPath })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(Timeouts.Exit);
        return (process.ExitCode, await stdout + await stderr);
    }
}
