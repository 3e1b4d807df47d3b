using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Pins;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Gateway;

/// <summary>
/// A resource, resource template or prompt whose definition holds half of a UTF-16 surrogate pair is left out alone, as
/// a tool is withheld alone (<see cref="UnreadableToolDefinitionTests"/>). Before, the MCP client could not read such a
/// string as .NET text and refused the whole page: every resource (template, prompt) of the connector answered
/// <c>upstream_unavailable</c> on list, with pins on every read and get failed too, and <c>portcullis pin</c> reported
/// the connector unreachable.
/// </summary>
public sealed class UnreadablePassthroughDefinitionTests
{
    private const string Half = "half of a UTF-16 surrogate pair";

    /// <summary>The second resource, template and prompt of the fixture, each with half a pair in its description (or title).</summary>
    private static readonly string Rules = string.Join('\n',
        "resources/list|\"description\":\"Memo number 1.\"|\"description\":\"Memo \\ud83d\"",
        "resources/templates/list|\"description\":\"Template number 1.\"|\"title\":\"\\udc00\",\"description\":\"Template number 1.\"",
        "prompts/list|\"description\":\"Prompt number 1.\"|\"description\":\"Prompt \\ud800\"");

    [Fact]
    public async Task ListsHoldingOneUnreadableItem_LeaveItOutAloneAndTheRestServes()
    {
        using var dir = new TempDir();
        await using var upstream = await StartUpstreamAsync();
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, Config(upstream)), dir.File("data"), extraArgs: AdminPlane.ServeArgs);
        var admin = await AdminPlane.OfAsync(gateway).Within();
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("remote"), protocolVersion: "2025-11-25").Within();

        Assert.Equal(["memo://item/0"], [.. (await client.ListResourcesAsync(new ListResourcesRequestParams(), Timeouts.CallToken)).Resources.Select(r => r.Uri)]);
        Assert.Equal(["memo://t0/{id}"], [.. (await client.ListResourceTemplatesAsync(new ListResourceTemplatesRequestParams(), Timeouts.CallToken)).ResourceTemplates.Select(t => t.UriTemplate)]);
        Assert.Equal(["prompt-0"], [.. (await client.ListPromptsAsync(new ListPromptsRequestParams(), Timeouts.CallToken)).Prompts.Select(p => p.Name)]);
        await gateway.WaitForOutputAsync($"resource memo://item/1 is left out: its definition is not I-JSON (description holds a string with {Half})", Timeouts.Call);
        await gateway.WaitForOutputAsync($"resource template memo://t1/{{id}} is left out: its definition is not I-JSON (title holds a string with {Half})", Timeouts.Call);
        await gateway.WaitForOutputAsync($"prompt prompt-1 is left out: its definition is not I-JSON (description holds a string with {Half})", Timeouts.Call);
        var audited = await admin.WaitForEventAsync(await admin.TokenAsync().Within(), "kind=tool_refused&connector=remote", e => e["prompt"]?.GetValue<string>() == "prompt-1").Within();
        Assert.Contains("not I-JSON (description holds", audited["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        // Pins off: the definitions are not vetted, so reads and gets pass as before, the readable ones and the others alike.
        Assert.Equal("memo 0", Text(await client.ReadResourceAsync(new ReadResourceRequestParams { Uri = "memo://item/0" }, Timeouts.CallToken)));
        Assert.Equal("note 7", Text(await client.ReadResourceAsync(new ReadResourceRequestParams { Uri = "memo://t0/7" }, Timeouts.CallToken)));
        Assert.NotEmpty((await client.GetPromptAsync(new GetPromptRequestParams { Name = "prompt-0" }, Timeouts.CallToken)).Messages);
        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "hi" }, cancellationToken: Timeouts.CallToken);
        Assert.True(echo.IsError != true, gateway.Output);
        Assert.DoesNotContain("   at ", gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PinThenServe_UnreadableItemsAreReportedNotPinnedAndWithheld_TheOthersArePinnedAndServed()
    {
        using var dir = new TempDir();
        await using var upstream = await StartUpstreamAsync();
        var path = TestConfig.Write(dir, Config(upstream));

        var pin = await PortcullisCli.RunAsync("pin", "--config", path, "--data-dir", dir.File("data"));

        Assert.True(pin.Exit == 1, pin.Output);
        Assert.DoesNotContain("unreachable", pin.Output, StringComparison.Ordinal);
        Assert.Matches($@"resource +memo://item/1 +not pinned: its definition is not I-JSON \(description holds a string with {Half}", pin.Output);
        Assert.Matches($@"resource template +memo://t1/\{{id\}} +not pinned: its definition is not I-JSON \(title holds a string with {Half}", pin.Output);
        Assert.Matches($@"prompt +prompt-1 +not pinned: its definition is not I-JSON \(description holds a string with {Half}", pin.Output);
        var pins = LockFileReader.Read(dir.File(LockFile.FileName)).File!;
        Assert.NotNull(pins.Find("remote", PinKind.Resource, "memo://item/0"));
        Assert.NotNull(pins.Find("remote", PinKind.ResourceTemplate, "memo://t0/{id}"));
        Assert.NotNull(pins.Find("remote", PinKind.Prompt, "prompt-0"));
        Assert.NotNull(pins.Find("remote", PinKind.Tool, "echo"));
        Assert.Null(pins.Find("remote", PinKind.Resource, "memo://item/1"));
        Assert.Null(pins.Find("remote", PinKind.ResourceTemplate, "memo://t1/{id}"));
        Assert.Null(pins.Find("remote", PinKind.Prompt, "prompt-1"));

        await using var gateway = await GatewayProcess.StartAsync(path, dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("remote"), protocolVersion: "2025-11-25").Within();

        Assert.Equal(["memo://item/0"], [.. (await client.ListResourcesAsync(new ListResourcesRequestParams(), Timeouts.CallToken)).Resources.Select(r => r.Uri)]);
        Assert.Equal("memo 0", Text(await client.ReadResourceAsync(new ReadResourceRequestParams { Uri = "memo://item/0" }, Timeouts.CallToken)));
        Assert.Equal("note 7", Text(await client.ReadResourceAsync(new ReadResourceRequestParams { Uri = "memo://t0/7" }, Timeouts.CallToken)));
        Assert.NotEmpty((await client.GetPromptAsync(new GetPromptRequestParams { Name = "prompt-0" }, Timeouts.CallToken)).Messages);

        foreach (var refused in new Func<Task>[]
        {
            () => client.ReadResourceAsync(new ReadResourceRequestParams { Uri = "memo://item/1" }, Timeouts.CallToken).AsTask(),
            () => client.ReadResourceAsync(new ReadResourceRequestParams { Uri = "memo://t1/7" }, Timeouts.CallToken).AsTask(),
            () => client.GetPromptAsync(new GetPromptRequestParams { Name = "prompt-1" }, Timeouts.CallToken).AsTask(),
        })
        {
            var error = await Assert.ThrowsAsync<McpProtocolException>(refused);
            Assert.Equal(-32000, (int)error.ErrorCode);
            Assert.Contains("not I-JSON", error.Message, StringComparison.Ordinal);
        }

        await gateway.WaitForOutputAsync($"prompt prompt-1 is left out: its definition is not I-JSON (description holds a string with {Half})", Timeouts.Call);
    }

    private static async Task<FixtureHttpServer> StartUpstreamAsync()
    {
        var upstream = await FixtureHttpServer.StartAsync(null, "--resources", "2", "--templates", "2", "--prompts", "2");
        await upstream.SetModeAsync("list_raw:" + Rules);
        return upstream;
    }

    private static JsonObject Config(FixtureHttpServer upstream)
    {
        var connector = TestConfig.HttpConnector("remote", upstream.McpUrl, ["echo"]);
        connector["resources_allow"] = new JsonArray("memo://item/*", "memo://t0/{id}", "memo://t1/{id}");
        connector["prompts_allow"] = new JsonArray("prompt-0", "prompt-1");
        var config = TestConfig.Gateway(connector);
        config["identity"] = new JsonObject { ["dev"] = true };
        return config;
    }

    private static string Text(ReadResourceResult read) => Assert.IsType<TextResourceContents>(Assert.Single(read.Contents)).Text;
}
