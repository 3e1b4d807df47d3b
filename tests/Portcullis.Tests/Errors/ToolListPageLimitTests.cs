using System.Text.Json.Nodes;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Errors;

/// <summary>
/// A stdio upstream's tool-list page over <c>limits.max_result_bytes</c> is refused like any oversized answer: before,
/// the SDK read it whole and the catalog kept it and passed it on to every client, whatever its size.
/// </summary>
public sealed class ToolListPageLimitTests
{
    private const int Limit = 64 * 1024;

    [Fact]
    public async Task StdioUpstream_ToolListPageOverTheLimit_NotServedConnectorNotReadyAndLogged()
    {
        using var dir = new TempDir();
        var connector = TestConfig.FixtureConnector("fixture", ["echo"]);
        connector["upstream"]!["args"]!.AsArray().Add("--long-description-bytes");
        connector["upstream"]!["args"]!.AsArray().Add((Limit * 4).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var config = TestConfig.Gateway(connector);
        config["limits"] = new JsonObject { ["max_result_bytes"] = Limit };
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"), waitReady: false);
        await gateway.WaitListeningAsync();

        await gateway.WaitForOutputAsync($"Connector fixture: a page of the upstream's tool list was larger than limits.max_result_bytes ({Limit} bytes)", Timeouts.Exit);
        var entry = JsonNode.Parse(await gateway.GetAsync("/readyz"))!["connectors"]!["fixture"]!;
        Assert.False(entry["ready"]!.GetValue<bool>(), entry.ToJsonString());
        Assert.Equal(0, entry["tools"]!.GetValue<int>());
        Assert.Contains("tool list is larger than", entry["last_error"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
