using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using Portcullis.Tests.Conformance;
using Portcullis.Tests.Infrastructure;
using static Portcullis.Tests.Errors.ErrorAssertions;

namespace Portcullis.Tests.Pins;

/// <summary>
/// Without a lock file an upstream's word that a tool is read-only changes nothing: the tool stays a write, agents are
/// told so, and one the upstream does not also call non-destructive is refused with the declaration that would admit it.
/// </summary>
public sealed class UnpinnedHintTests
{
    [Fact]
    public async Task UnpinnedReadOnlyHint_ToolIsAWrite_AgentsSeeAWriteAndMustSendAKey()
    {
        using var dir = new TempDir();
        var connector = TestConfig.FixtureConnector("fixture", ["echo", "rich"]);
        // echo: only the upstream says it is read-only (readOnlyHint: true); rich: the config says so too.
        connector["tools"]!.AsObject().Remove("echo");
        var path = TestConfig.Write(dir, TestConfig.Gateway(connector));

        await using var gateway = await GatewayProcess.StartAsync(path, dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"));

        var tools = (await client.ListToolsAsync(cancellationToken: Timeouts.CallToken)).ToDictionary(t => t.Name);
        var echo = tools["echo"].ProtocolTool;
        Assert.False(echo.Annotations?.ReadOnlyHint);
        Assert.Contains("idempotency_key", echo.InputSchema.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        var rich = tools["rich"].ProtocolTool;
        Assert.True(rich.Annotations?.ReadOnlyHint);
        Assert.False(rich.InputSchema.TryGetProperty("required", out var required) && required.EnumerateArray().Any(e => e.GetString() == "idempotency_key"));

        AssertError(await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "hi" }, cancellationToken: Timeouts.CallToken),
            "idempotency_key_missing", retryable: false);
        var first = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "hi", ["idempotency_key"] = "k-1" }, cancellationToken: Timeouts.CallToken);
        Assert.True(first.IsError != true, gateway.Output);
        var replay = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "hi", ["idempotency_key"] = "k-1" }, cancellationToken: Timeouts.CallToken);
        // The second call with the same key is the stored answer, not a second run upstream.
        Assert.Null(first.Meta?["portcullis/replay"]);
        Assert.True(replay.Meta!["portcullis/replay"]!.GetValue<bool>());
    }

    [Fact]
    public async Task UnpinnedReadOnlyHintWithoutDestructiveHint_StartRefusedSayingHowToDeclareIt()
    {
        using var dir = new TempDir();
        var connector = new JsonObject
        {
            ["server"] = "conf",
            ["environment"] = "test",
            ["upstream"] = new JsonObject { ["command"] = "dotnet", ["args"] = new JsonArray(ConformanceConfig.FixtureDll) },
            ["auth"] = new JsonObject { ["mode"] = "none" },
            // test_simple_text says readOnlyHint: true and nothing about destructiveHint.
            ["tools_allow"] = new JsonArray("test_simple_text"),
        };
        var path = TestConfig.Write(dir, TestConfig.Gateway(connector.DeepClone().AsObject()));

        var refused = await PortcullisCli.RunAsync("serve", "--config", path, "--data-dir", dir.File("data"), "--listen", "http://127.0.0.1:0");

        Assert.Equal(2, refused.Exit);
        Assert.Contains("$.connectors[0].tools_allow[0]: connectors[conf].tools_allow lists 'test_simple_text', which the upstream calls read-only (readOnlyHint) "
            + "but no pin vouches for that hint", refused.Output, StringComparison.Ordinal);
        Assert.Contains("declare tools.test_simple_text.read_only: true", refused.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("is listening on", refused.Output, StringComparison.Ordinal);

        connector["tools"] = new JsonObject { ["test_simple_text"] = new JsonObject { ["read_only"] = true } };
        TestConfig.Write(dir, TestConfig.Gateway(connector));
        await using var gateway = await GatewayProcess.StartAsync(path, dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("conf"));
        Assert.True((await client.CallToolAsync("test_simple_text", cancellationToken: Timeouts.CallToken)).IsError != true, gateway.Output);
    }
}
