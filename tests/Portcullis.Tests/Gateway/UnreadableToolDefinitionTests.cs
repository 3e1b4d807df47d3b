using System.Text.Json.Nodes;
using Portcullis.Tests.Infrastructure;
using static Portcullis.Tests.Errors.ErrorAssertions;

namespace Portcullis.Tests.Gateway;

/// <summary>
/// A tool whose definition holds half of a UTF-16 surrogate pair anywhere (its description, its title, its <c>_meta</c>)
/// is withheld alone, as a definition that is not I-JSON. Before, the MCP client could not read such a string as .NET
/// text and refused the whole page of the tool list: every tool of the connector answered <c>upstream_unavailable</c>,
/// the upstream restarted in a loop, and <c>portcullis pin</c> reported the connector unreachable.
/// </summary>
public sealed class UnreadableToolDefinitionTests
{
    [Theory]
    [InlineData("description cut inside an emoji", "\"description\":\"Echo the text back. \\ud83d\"", "description holds a string with half of a UTF-16 surrogate pair")]
    [InlineData("title, half a pair", "\"title\":\"\\udc00\",\"description\":\"Echo the text back.\"", "title holds a string with half of a UTF-16 surrogate pair")]
    [InlineData("_meta, half a pair", "\"description\":\"Echo the text back.\",\"_meta\":{\"note\":\"\\ud800\"}", "_meta at '/note' holds a string with half of a UTF-16 surrogate pair")]
    public async Task UpstreamListsAToolWithHalfASurrogatePair_WithheldAloneAndTheConnectorServes(string label, string members, string reason)
    {
        using var dir = new TempDir();
        await using var upstream = await FixtureHttpServer.StartAsync();
        await upstream.SetModeAsync("list_echo:" + members);
        var connector = TestConfig.HttpConnector("remote", upstream.McpUrl, ["echo", "rich"]);
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, TestConfig.Gateway(connector)), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("remote"));

        await gateway.WaitForOutputAsync("tool echo is unavailable: its definition is not I-JSON (" + reason, Timeouts.Call);
        AssertError(await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "hi" }, cancellationToken: Timeouts.CallToken), "tool_not_found", retryable: false);
        Assert.Equal(["rich"], [.. (await client.ListToolsAsync(cancellationToken: Timeouts.CallToken)).Select(t => t.Name)]);
        var rich = await client.CallToolAsync("rich", cancellationToken: Timeouts.CallToken);
        Assert.True(rich.IsError != true, label + "\n" + gateway.Output);
        var remote = JsonNode.Parse(await gateway.GetAsync("/readyz"))!["connectors"]!["remote"]!;
        Assert.Equal("current", remote["catalog"]!.GetValue<string>());
        var withheld = Assert.Single(remote["withheld"]!.AsArray())!;
        Assert.Equal(("echo", "uncompilable_schema"), (withheld["tool"]!.GetValue<string>(), withheld["reason"]!.GetValue<string>()));
    }

    [Fact]
    public async Task PinAndLint_ToolWithHalfASurrogatePairInItsDescription_ReportItAndPinTheOthers()
    {
        using var dir = new TempDir();
        await using var upstream = await FixtureHttpServer.StartAsync();
        await upstream.SetModeAsync("list_echo:" + "\"description\":\"Echo the text back. \\ud83d\"");
        var path = TestConfig.Write(dir, TestConfig.Gateway(TestConfig.HttpConnector("remote", upstream.McpUrl, ["echo", "rich"])));

        var pin = await PortcullisCli.RunAsync("pin", "--config", path, "--data-dir", dir.File("data"));

        Assert.True(pin.Exit == 1, pin.Output);
        Assert.Contains("not pinned: its definition is not I-JSON (description holds a string with half of a UTF-16 surrogate pair", pin.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", pin.Output, StringComparison.Ordinal);
        var pins = Portcullis.Core.Pins.LockFileReader.Read(dir.File(Portcullis.Core.Pins.LockFile.FileName)).File!;
        Assert.NotNull(pins.Find("remote", "rich"));
        Assert.Null(pins.Find("remote", "echo"));

        var lint = await LintCli.RunAsync(path, "--data-dir", dir.File("data"));
        var finding = Assert.Single(lint.Of("schema-uncompilable"));
        Assert.Contains("its definition is not I-JSON (description holds", finding["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
