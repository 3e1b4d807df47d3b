using System.Text.Json.Nodes;
using Microsoft.Playwright;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Idempotency;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Review;

/// <summary>The console's review row in a real browser (Debian's Chromium): the held call's key, and who approved so far.</summary>
public sealed class ConsoleQuorumTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    /// <summary>
    /// Before, a row showed neither the idempotency key (two held calls of the same arguments read alike) nor who had
    /// approved a review that needs two approvals ("1 of 2 approvals", from whom?). Both are shown now, as text: the key
    /// is the agent's, and markup in it stays markup-free text.
    /// </summary>
    [Fact]
    public async Task Console_ReviewNeedingTwoApprovals_ShowsTheKeyAndWhoApproved()
    {
        using var dir = new TempDir();
        var config = ReviewedEchoGateway.Config();
        config["connectors"]![0]!["tools"]!["echo"]!["review"]!["approvals"] = 2;
        await using var gateway = await ReviewedEchoGateway.StartAsync(dir, config);
        var admin = await AdminPlane.OfAsync(gateway);
        await using var alice = await ReviewedEchoGateway.AgentAsync(gateway, "alice");
        const string key = "k-<img src=x onerror=\"document.title='owned'\">";
        var id = ReviewId(await EchoAsync(alice, key));
        var plain = ReviewId(await EchoAsync(alice, "k-plain"));
        var bob = await admin.TokenAsync("portcullis:review", "reviewer-bob");
        var first = await admin.SendAsync(HttpMethod.Post, "/admin/api/reviews/" + id, bob,
            new JsonObject { ["decision"] = "approve", ["reason"] = "<b>checked</b> the ticket" }).WaitAsync(Timeout);
        Assert.Equal(200, first.Status);

        using var playwright = await Playwright.CreateAsync().WaitAsync(Timeout);
        await using var browser = await ReviewTests.LaunchChromiumAsync(playwright);
        var page = await browser.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        await page.GotoAsync(admin.BaseUrl + "/admin/").WaitAsync(Timeout);
        await page.FillAsync("#token", await admin.TokenAsync("portcullis:review", "reviewer-carol")).WaitAsync(Timeout);
        await page.ClickAsync("#sign-in button[type=submit]").WaitAsync(Timeout);
        await page.Locator($"tr[data-review='{id}']").WaitForAsync().WaitAsync(Timeout);

        Assert.Equal("idempotency key: " + key, await page.Locator($"[data-testid='key-{id}']").InnerTextAsync().WaitAsync(Timeout));
        Assert.Equal("idempotency key: k-plain", await page.Locator($"[data-testid='key-{plain}']").InnerTextAsync().WaitAsync(Timeout));
        Assert.Equal(0, await page.Locator("img, b").CountAsync().WaitAsync(Timeout));
        Assert.NotEqual("owned", await page.TitleAsync().WaitAsync(Timeout));
        var approvals = await page.Locator($"[data-testid='approvals-{id}'] li").AllInnerTextsAsync().WaitAsync(Timeout);
        var approval = Assert.Single(approvals);
        Assert.StartsWith("approved by reviewer-bob at ", approval, StringComparison.Ordinal);
        Assert.EndsWith(": <b>checked</b> the ticket", approval, StringComparison.Ordinal);
        Assert.Contains("1 of 2 approvals", await page.Locator($"tr[data-review='{id}']").InnerTextAsync().WaitAsync(Timeout));
        Assert.Equal(0, await page.Locator($"[data-testid='approvals-{plain}']").CountAsync().WaitAsync(Timeout));

        await page.ClickAsync($"[data-testid='approve-{id}']").WaitAsync(Timeout);
        await page.Locator($"[data-testid='decided-{id}']").Filter(new LocatorFilterOptions { HasText = "Approved." }).WaitForAsync().WaitAsync(Timeout);
        var ran = await EchoAsync(alice, key);
        Assert.True(ran.IsError != true, System.Text.Json.JsonSerializer.Serialize(ran));
    }

    private static Task<CallToolResult> EchoAsync(McpClient agent, string key) =>
        agent.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "hello", ["idempotency_key"] = key }).AsTask().WaitAsync(Timeout);

    private static string ReviewId(CallToolResult result) =>
        Witness.Error(result)["details"]!.AsArray().Single(d => d!["keyword"]!.GetValue<string>() == "review_id")!["message"]!.GetValue<string>();
}
