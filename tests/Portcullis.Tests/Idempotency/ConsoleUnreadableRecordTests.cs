using System.Text.Json.Nodes;
using Microsoft.Playwright;
using ModelContextProtocol.Client;
using Portcullis.Testing.Servers;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Idempotency;

/// <summary>A record the store cannot read, in the console's outcome-unknown keys view in a real browser (Debian's Chromium).</summary>
public sealed class ConsoleUnreadableRecordTests
{
    /// <summary>
    /// A Redis record that lost its connector and its fingerprint (by hand or by another program). Before, its row read
    /// "null / record", said nothing of what was wrong, and offered "It took effect" and "It did not", which the API could
    /// only refuse (409). The row now reads "unreadable" where a field was lost, names the fields the store could not
    /// read and shows the store key to delete once the target system is checked, with nothing to click that cannot work.
    /// </summary>
    [Fact]
    public async Task Console_KeysView_RecordTheStoreCannotRead_NamesItsFieldsAndStoreKey_WithoutSettleButtons()
    {
        using var dir = new TempDir();
        await using var identity = await TestIdentityProvider.StartAsync().Within(Timeouts.Startup);
        await using var redis = await RedisServer.StartAsync().Within(Timeouts.Startup);
        File.WriteAllText(dir.File("state-connection"), redis.ConnectionString);
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fx", ["record"], dir.File("calls.jsonl")));
        TestConfig.OnSharedStore(config, "redis");
        await using var operated = await OperatedGateway.StartAsync(dir, config, identity, "portcullis:admin").Within(Timeouts.Startup);
        var (gateway, admin, token) = operated;
        await using (var client = await McpClients.ConnectAsync(gateway.Endpoint("fx")).Within())
        {
            Assert.Null(Witness.ErrorCode(await client.CallToolAsync("record",
                new Dictionary<string, object?> { ["note"] = "k-damaged", ["idempotency_key"] = "k-damaged" }, cancellationToken: Timeouts.CallToken)));
        }

        await using var operatorConnection = await RedisOperator.ConnectAsync(redis);
        var storeKey = RedisOperator.RecordKey(operatorConnection, "k-damaged");
        Assert.Equal(2, await operatorConnection.GetDatabase().HashDeleteAsync(storeKey, ["connector", "fp"]).Within());

        using var playwright = await Playwright.CreateAsync().Within(Timeouts.Startup);
        await using var browser = await Review.ReviewTests.LaunchChromiumAsync(playwright);
        var page = await browser.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        await page.GotoAsync(admin.BaseUrl + "/admin/#keys").Within();
        await page.FillAsync("#token", token).Within();
        await page.ClickAsync("#sign-in button[type=submit]").Within();
        var row = page.Locator("tr", new() { HasText = "k-damaged" });
        await row.WaitForAsync().Within();

        var cells = await row.Locator("td").AllInnerTextsAsync().Within();
        Assert.Equal("unreadable / record", cells[0]);
        Assert.Equal("k-damaged", cells[2]);
        var fields = await row.Locator("[data-testid='unreadable-fields']").InnerTextAsync().Within();
        Assert.Contains("cannot read this record (connector, arguments_sha256)", fields, StringComparison.Ordinal);
        Assert.Contains("cannot be settled here", fields, StringComparison.Ordinal);
        Assert.Equal(storeKey, await row.Locator("[data-testid='store-key']").InnerTextAsync().Within());
        Assert.Equal(0, await row.GetByRole(AriaRole.Button).CountAsync().Within());
        Assert.DoesNotContain("null", string.Join("\n", cells), StringComparison.Ordinal);
    }
}
