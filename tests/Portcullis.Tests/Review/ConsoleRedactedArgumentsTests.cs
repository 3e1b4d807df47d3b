using System.Text.Json.Nodes;
using Microsoft.Playwright;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Idempotency;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Review;

/// <summary>A held call with a field the audit trail redacts, in the console in a real browser (Debian's Chromium).</summary>
public sealed class ConsoleRedactedArgumentsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    /// <summary>
    /// Before, a field named in audit.redact read "[redacted]" in the row with nothing more: the reviewer approved its
    /// value unseen without being told, and an agent that knows the name can put anything there. The row now says so.
    /// </summary>
    [Fact]
    public async Task Console_ArgumentTheTrailRedacts_WarnsItRunsUnseen()
    {
        using var dir = new TempDir();
        var config = ReviewedEchoGateway.Config();
        config["audit"] = new JsonObject { ["redact"] = new JsonArray("text") };
        await using var gateway = await ReviewedEchoGateway.StartAsync(dir, config);
        var admin = await AdminPlane.OfAsync(gateway);
        await using var alice = await ReviewedEchoGateway.AgentAsync(gateway, "alice");
        var id = ReviewId(await alice.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "wire the funds", ["idempotency_key"] = "k-redacted" })
            .AsTask().WaitAsync(Timeout));

        using var playwright = await Playwright.CreateAsync().WaitAsync(Timeout);
        await using var browser = await ReviewTests.LaunchChromiumAsync(playwright);
        var page = await browser.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        await page.GotoAsync(admin.BaseUrl + "/admin/").WaitAsync(Timeout);
        await page.FillAsync("#token", await admin.TokenAsync("portcullis:review", "reviewer-bob")).WaitAsync(Timeout);
        await page.ClickAsync("#sign-in button[type=submit]").WaitAsync(Timeout);
        var row = page.Locator($"tr[data-review='{id}']");
        await row.WaitForAsync().WaitAsync(Timeout);

        Assert.Contains("\"text\": \"[redacted]\"", await row.Locator("pre").InnerTextAsync().WaitAsync(Timeout), StringComparison.Ordinal);
        Assert.DoesNotContain("wire the funds", await row.InnerTextAsync().WaitAsync(Timeout), StringComparison.Ordinal);
        var warning = await page.Locator($"[data-testid='redacted-{id}']").InnerTextAsync(new LocatorInnerTextOptions { Timeout = 10_000 }).WaitAsync(Timeout);
        Assert.Contains("approving runs them unseen", warning, StringComparison.Ordinal);
    }

    private static string ReviewId(CallToolResult result) =>
        Witness.Error(result)["details"]!.AsArray().Single(d => d!["keyword"]!.GetValue<string>() == "review_id")!["message"]!.GetValue<string>();
}
