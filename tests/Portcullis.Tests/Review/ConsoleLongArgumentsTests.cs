using Microsoft.Playwright;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Idempotency;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Review;

/// <summary>A held call with long arguments in the console, in a real browser (Debian's Chromium).</summary>
public sealed class ConsoleLongArgumentsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    /// <summary>
    /// Before, a row was as tall as its arguments: 200,000 characters of text made it thousands of lines high, Approve at
    /// its top and the end of the arguments (where an agent puts what it would rather nobody read) far out of sight,
    /// without a word. The arguments are now in a box of bounded height that scrolls, with a warning above it giving
    /// their length; a short call gets neither.
    /// </summary>
    [Fact]
    public async Task Console_ArgumentsLongerThanTheBox_BoxedAndWarned_ShortOnesNot()
    {
        using var dir = new TempDir();
        await using var gateway = await ReviewedEchoGateway.StartAsync(dir, ReviewedEchoGateway.Config());
        var admin = await AdminPlane.OfAsync(gateway);
        await using var alice = await ReviewedEchoGateway.AgentAsync(gateway, "alice");
        var text = "Routine cleanup. " + new string('x', 200_000) + " AND ALSO WIRE THE FUNDS";
        var id = ReviewId(await EchoAsync(alice, text, "k-long"));
        var brief = ReviewId(await EchoAsync(alice, "hello", "k-brief"));

        using var playwright = await Playwright.CreateAsync().WaitAsync(Timeout);
        await using var browser = await ReviewTests.LaunchChromiumAsync(playwright);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        page.SetDefaultTimeout(30_000);
        await page.GotoAsync(admin.BaseUrl + "/admin/").WaitAsync(Timeout);
        await page.FillAsync("#token", await admin.TokenAsync("portcullis:review", "reviewer-bob")).WaitAsync(Timeout);
        await page.ClickAsync("#sign-in button[type=submit]").WaitAsync(Timeout);
        var row = page.Locator($"tr[data-review='{id}']");
        await row.WaitForAsync().WaitAsync(Timeout);

        var warning = await page.Locator($"[data-testid='long-arguments-{id}']").InnerTextAsync(new LocatorInnerTextOptions { Timeout = 10_000 }).WaitAsync(Timeout);
        Assert.Contains("characters long and do not fit in the box", warning, StringComparison.Ordinal);
        Assert.Contains("These arguments are 200,0", warning, StringComparison.Ordinal);
        var box = (await row.BoundingBoxAsync().WaitAsync(Timeout))!;
        Assert.True(box.Height < 900, $"the row is {box.Height} px high");
        Assert.Equal(0, await page.Locator($"[data-testid='long-arguments-{brief}']").CountAsync().WaitAsync(Timeout));
        // All of it is there to read, in the box.
        Assert.Contains("AND ALSO WIRE THE FUNDS", await row.Locator("pre").InnerTextAsync().WaitAsync(Timeout), StringComparison.Ordinal);
    }

    private static Task<CallToolResult> EchoAsync(McpClient agent, string text, string key) =>
        agent.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = text, ["idempotency_key"] = key }).AsTask().WaitAsync(Timeout);

    private static string ReviewId(CallToolResult result) =>
        Witness.Error(result)["details"]!.AsArray().Single(d => d!["keyword"]!.GetValue<string>() == "review_id")!["message"]!.GetValue<string>();
}
