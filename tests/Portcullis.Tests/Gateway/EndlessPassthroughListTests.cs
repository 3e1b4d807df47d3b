using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Gateway;

/// <summary>
/// The resources, templates and prompts that <c>pin</c> records and that <c>serve</c> lists again to vet a read with pins
/// on are held to <c>limits.max_result_bytes</c> and a page limit, as the tool list is. Before, an upstream answering every
/// page of its resource list with another cursor was followed until the request timed out, holding every page read.
/// </summary>
public sealed class EndlessPassthroughListTests
{
    /// <summary>Every resources/list answer carries a cursor: the list never ends.</summary>
    private const string Endless = "list_raw:resources/list|\"resources\":[|\"nextCursor\":\"again\",\"resources\":[";

    [Fact]
    public async Task Pin_ResourceListWithoutEnd_ReportsItTooLongAtOnce()
    {
        using var dir = new TempDir();
        await using var upstream = await FixtureHttpServer.StartAsync(null, "--resources", "1");
        await upstream.SetModeAsync(Endless);
        var path = TestConfig.Write(dir, Config(upstream));

        var pin = await PortcullisCli.RunAsync("pin", "--config", path, "--data-dir", dir.File("data"));

        Assert.NotEqual(0, pin.Exit);
        Assert.Contains("the upstream's resource list is larger than", pin.Output, StringComparison.Ordinal);
        Assert.Contains("longer than 1000 pages", pin.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServeWithPins_ResourceListWithoutEnd_ReadAnswersTooLargeAtOnce_AndServesAgainAfter()
    {
        using var dir = new TempDir();
        await using var upstream = await FixtureHttpServer.StartAsync(null, "--resources", "1");
        var path = TestConfig.Write(dir, Config(upstream));
        var pin = await PortcullisCli.RunAsync("pin", "--config", path, "--data-dir", dir.File("data"));
        Assert.True(pin.Exit == 0, pin.Output);

        await using var gateway = await GatewayProcess.StartAsync(path, dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("remote"), protocolVersion: "2025-11-25").Within();
        var read = new ReadResourceRequestParams { Uri = "memo://item/0" };
        Assert.Equal("memo 0", Text(await client.ReadResourceAsync(read, Timeouts.CallToken)));

        await upstream.SetModeAsync(Endless);
        var error = await Assert.ThrowsAsync<McpProtocolException>(() => client.ReadResourceAsync(read, Timeouts.CallToken).AsTask());
        Assert.Contains("larger than", error.Message, StringComparison.Ordinal);

        await upstream.SetModeAsync("normal");
        Assert.Equal("memo 0", Text(await client.ReadResourceAsync(read, Timeouts.CallToken)));
        Assert.DoesNotContain("   at ", gateway.Output, StringComparison.Ordinal);
    }

    private static JsonObject Config(FixtureHttpServer upstream)
    {
        var connector = TestConfig.HttpConnector("remote", upstream.McpUrl, ["echo"]);
        connector["resources_allow"] = new JsonArray("memo://item/*");
        return TestConfig.Gateway(connector);
    }

    private static string Text(ReadResourceResult read) => Assert.IsType<TextResourceContents>(Assert.Single(read.Contents)).Text;
}
