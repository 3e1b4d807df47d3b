using System.Text.Json.Nodes;
using System.Threading.Channels;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Pins;
using Portcullis.Tests.Infrastructure;
using static Portcullis.Tests.Errors.ErrorAssertions;

namespace Portcullis.Tests.Pins;

/// <summary>
/// Pins end to end: <c>portcullis pin</c> against the real fixture upstream, a gateway serving what was pinned, the upstream
/// changing a tool after review (its description, then its readOnlyHint), and <c>pin --accept</c> taking effect without a restart.
/// </summary>
public sealed class PinDriftTests
{
    private static readonly string[] Allowed = ["echo", "mutate_echo", "toggle_extra", "extra"];

    [Fact]
    public async Task UpstreamChangesAPinnedTool_WithheldAnsweredToolChangedAndAcceptedWithoutRestart()
    {
        using var dir = new TempDir();
        var connector = TestConfig.Protect(TestConfig.FixtureConnector("fixture", Allowed, tools: new JsonObject
        {
            // No read_only for echo: it is read-only only because its pinned definition says so.
            ["echo"] = new JsonObject { ["scopes"] = new JsonArray("echo:read") },
            ["mutate_echo"] = TestConfig.Tool(["fixture:admin"]),
            ["toggle_extra"] = TestConfig.Tool(["fixture:admin"]),
            ["extra"] = TestConfig.Tool(["echo:read"]),
        }), ["echo:read", "fixture:admin"]);
        connector["tools"]!["echo"]!.AsObject().Remove("read_only");
        // The gateway's upstream and pin's are separate processes: the changes the test makes live in this file.
        connector["upstream"]!["args"]!.AsArray().Add("--catalog-state");
        connector["upstream"]!["args"]!.AsArray().Add(dir.File("catalog-state"));
        var config = TestConfig.Gateway(connector);
        config["identity"] = new JsonObject { ["dev"] = true };
        var path = TestConfig.Write(dir, config);
        var data = dir.File("data");

        var first = await PortcullisCli.RunAsync("pin", "--config", path, "--data-dir", data);
        Assert.True(first.Exit == 0, first.Output);
        Assert.Matches(@"fixture\s+tool\s+echo\s+pinned", first.Stdout);
        var pinned = File.ReadAllText(dir.File(LockFile.FileName));

        await using var gateway = await GatewayProcess.StartAsync(path, data, extraArgs: AdminPlane.ServeArgs);
        var admin = await AdminPlane.OfAsync(gateway);
        var adminToken = await admin.TokenAsync();
        await using var allowed = await McpClients.ConnectAsync(gateway.Endpoint("fixture"), await PortcullisCli.DevTokenAsync(gateway, "fixture", "echo:read fixture:admin"), "2025-11-25");
        await using var other = await McpClients.ConnectAsync(gateway.Endpoint("fixture"), await PortcullisCli.DevTokenAsync(gateway, "fixture", "fixture:admin"), "2025-11-25");
        var told = Channel.CreateUnbounded<bool>();
        await using var onChange = allowed.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) => told.Writer.WriteAsync(true));

        Assert.Contains("echo", await NamesAsync(allowed));
        Assert.True((await CallEchoAsync(allowed)).IsError != true, "a pinned read-only tool is served without an idempotency key");

        // The upstream rewrites the description after review: withheld, and the session told.
        await allowed.CallToolAsync("mutate_echo", new Dictionary<string, object?> { ["change"] = "description" }, cancellationToken: Timeouts.CallToken);
        await told.Reader.ReadAsync().AsTask().WaitAsync(Timeouts.Call);
        Assert.DoesNotContain("echo", await NamesAsync(allowed));
        var changed = AssertError(await CallEchoAsync(allowed), "tool_changed", retryable: false);
        Assert.Contains("operator must review", changed["message"]!.GetValue<string>(), StringComparison.Ordinal);
        AssertError(await CallEchoAsync(other), "tool_not_found", retryable: false);
        await gateway.WaitForOutputAsync("tool echo differs from its pin (changed: description)", Timeouts.Call);

        var withheld = JsonNode.Parse(await gateway.GetAsync("/readyz"))!["connectors"]!["fixture"]!["withheld"]!.AsArray();
        Assert.Contains(withheld, w => w!["tool"]!.GetValue<string>() == "echo" && w["reason"]!.GetValue<string>() == "tool_changed");
        var tools = await admin.GetJsonAsync("/admin/api/connectors/fixture/tools", adminToken);
        Assert.Contains(tools["tools"]!.AsArray(), t => t!["name"]!.GetValue<string>() == "echo" && t["withheld"]?.GetValue<string>() == "tool_changed");
        var audited = await admin.WaitForEventAsync(adminToken, "kind=tool_refused&tool=echo");
        Assert.Contains("changed: description", audited["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        var metrics = await admin.MetricsAsync();
        Assert.Contains("portcullis_pins_withheld", metrics, StringComparison.Ordinal);
        // The withheld tool is a real one: its refusals are counted under its name, not as an unknown tool's.
        Assert.Contains("portcullis_tool_calls_total{otel_scope_name=\"Portcullis\",connector=\"fixture\",outcome=\"tool_changed\",tool=\"echo\"}", metrics, StringComparison.Ordinal);

        // Then flips its readOnlyHint: still drift. pin without --accept changes nothing and says what drifted.
        await allowed.CallToolAsync("mutate_echo", new Dictionary<string, object?> { ["change"] = "hint" }, cancellationToken: Timeouts.CallToken);
        await gateway.WaitForOutputAsync("tool echo differs from its pin (changed: description, annotations)", Timeouts.Call);
        AssertError(await CallEchoAsync(allowed), "tool_changed", retryable: false);
        var refused = await PortcullisCli.RunAsync("pin", "--config", path, "--data-dir", data);
        Assert.True(refused.Exit == 1, refused.Output);
        Assert.Contains("drifted (changed: description, annotations)", refused.Stdout, StringComparison.Ordinal);
        Assert.Contains("--accept echo", refused.Stdout, StringComparison.Ordinal);
        Assert.Equal(pinned, File.ReadAllText(dir.File(LockFile.FileName)));

        // A tool that appears later is withheld too, until someone pins it.
        await allowed.CallToolAsync("toggle_extra", cancellationToken: Timeouts.CallToken);
        await Poll.UntilAsync(
            async ct => (await allowed.CallToolAsync("extra", cancellationToken: ct)).StructuredContent?.ToString()?.Contains("tool_changed", StringComparison.Ordinal) == true,
            Timeouts.Call, () => $"extra to be withheld:\n{gateway.Output}");
        Assert.Contains(JsonNode.Parse(await gateway.GetAsync("/readyz"))!["connectors"]!["fixture"]!["withheld"]!.AsArray(),
            w => w!["tool"]!.GetValue<string>() == "extra" && w["reason"]!.GetValue<string>() == "unpinned");

        // Review, accept: the running gateway serves the new definition, whose pinned hint now makes echo a write.
        var accepted = await PortcullisCli.RunAsync("pin", "--config", path, "--data-dir", data, "--accept", "echo", "--accept", "extra");
        Assert.True(accepted.Exit == 0, accepted.Output);
        await Poll.UntilAsync(async ct => (await allowed.ListToolsAsync(cancellationToken: ct)).Any(t => t.Name == "echo"), Timeouts.Call, () => $"echo to be served again:\n{gateway.Output}");
        AssertError(await CallEchoAsync(allowed), "idempotency_key_missing", retryable: false);
        var written = await allowed.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "hi", ["idempotency_key"] = "k-1" }, cancellationToken: Timeouts.CallToken);
        Assert.True(written.IsError != true, gateway.Output);
        Assert.Contains("extra", await NamesAsync(allowed));
        Assert.False(gateway.HasExited);
    }

    [Fact]
    public async Task LockFile_InvalidAtStartRefused_InvalidLaterKeepsPins_TamperedIsDrift()
    {
        using var dir = new TempDir();
        var path = TestConfig.Write(dir, TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["echo"])));
        var lockPath = dir.File(LockFile.FileName);
        File.WriteAllText(lockPath, """{"version": 1, "connectors": {"fixture": {"tools": {"echo": {"sha256": "nope"}}}}}""");

        var refused = await PortcullisCli.RunAsync("serve", "--config", path, "--data-dir", dir.File("data"), "--listen", "http://127.0.0.1:0");
        Assert.Equal(2, refused.Exit);
        Assert.Contains("the lock file cannot be used", refused.Output, StringComparison.Ordinal);
        Assert.Contains("$.connectors.fixture.tools.echo.sha256: must be 64 lowercase hexadecimal digits", refused.Output, StringComparison.Ordinal);

        var pins = await FixturePins.LiveAsync("fixture", "echo");
        FixturePins.Write(dir, pins);
        await using var gateway = await GatewayProcess.StartAsync(path, dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"));
        Assert.True((await CallEchoAsync(client)).IsError != true, gateway.Output);

        File.WriteAllText(lockPath, "{ not json");
        await gateway.WaitForOutputAsync("the previous pins stay in force", Timeouts.Call);
        Assert.True((await CallEchoAsync(client)).IsError != true, gateway.Output);

        // Hand-edited: the description is not what the digest was taken of.
        var tampered = pins.Find("fixture", "echo")!.Definition.DeepClone().AsObject();
        tampered["description"] = "Echo the text back, trust me.";
        pins.Set("fixture", "echo", pins.Find("fixture", "echo")! with { Definition = tampered });
        FixturePins.Write(dir, pins);
        await Poll.UntilAsync(async ct => (await CallEchoAsync(client)).IsError == true, Timeouts.Call, () => $"echo to be withheld:\n{gateway.Output}");
        AssertError(await CallEchoAsync(client), "tool_changed", retryable: false);
        Assert.Contains("is not the digest of its own definition", gateway.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Before, the pin comparison threw on a definition naming a member twice: the refresh failed, and with the tools
    /// outdated no call of the connector was sent, the upstream's other tools refused with it, until the upstream restarted.
    /// </summary>
    [Fact]
    public async Task UpstreamChangesAPinnedToolToOneNotIJson_WithheldAloneAndTheConnectorKeepsServing()
    {
        using var dir = new TempDir();
        var path = TestConfig.Write(dir, TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["echo", "mutate_echo"])));
        FixturePins.Write(dir, await FixturePins.LiveAsync("fixture", "echo", "mutate_echo"));
        await using var gateway = await GatewayProcess.StartAsync(path, dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"));
        Assert.True((await CallEchoAsync(client)).IsError != true, gateway.Output);

        await client.CallToolAsync("mutate_echo", new Dictionary<string, object?> { ["change"] = "repeated_name" }, cancellationToken: Timeouts.CallToken);
        await gateway.WaitForOutputAsync("tool echo is unavailable: its definition is not I-JSON", Timeouts.Call);

        AssertError(await CallEchoAsync(client), "tool_not_found", retryable: false);
        Assert.Equal(["mutate_echo"], await NamesAsync(client));
        var other = await client.CallToolAsync("mutate_echo", new Dictionary<string, object?> { ["change"] = "description" }, cancellationToken: Timeouts.CallToken);
        Assert.True(other.IsError != true, gateway.Output);
        Assert.False(gateway.HasExited);
    }

    private static Task<CallToolResult> CallEchoAsync(McpClient client) =>
        client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "hi" }, cancellationToken: Timeouts.CallToken).AsTask();

    private static async Task<List<string>> NamesAsync(McpClient client) =>
        [.. (await client.ListToolsAsync(cancellationToken: Timeouts.CallToken)).Select(t => t.Name)];
}
