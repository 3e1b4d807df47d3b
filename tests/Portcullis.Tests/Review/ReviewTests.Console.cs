using Microsoft.Playwright;
using Portcullis.Tests.Idempotency;

namespace Portcullis.Tests.Review;

/// <summary>The admin console end to end in a real browser: Debian's Chromium driven by Playwright (no browser download).</summary>
public sealed partial class ReviewTests
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task Console_SignIn_SeePendingReview_Approve_AgentRetrySucceeds()
    {
        await using var agent = await AgentAsync("crm", "alice");
        var id = ReviewId(await DeleteAsync(agent, "c-1003", "k-console"));
        var hostile = ReviewId(await DeleteAsync(agent, "<img src=x onerror=\"document.title='owned'\">", "k-console-xss"));
        // Before, the row read "c-4321" for a call that ran with c-1234 turned around by a right-to-left override.
        var reordered = ReviewId(await DeleteAsync(agent, "c-\u202E1234\u202C", "k-console-bidi"));
        // Before, a message written in variation selectors after an emoji (one byte each) showed as nothing, with no warning.
        var smuggled = ReviewId(await agent.CallToolAsync("delete_contact", new Dictionary<string, object?>
        {
            ["contact_id"] = "c-1001",
            ["note"] = "Thanks \U0001F60A\U000E0100\U000E0145",
            ["idempotency_key"] = "k-console-smuggled",
        }).AsTask().WaitAsync(Timeout));
        // Before, the same message in code points Unicode reserves as default-ignorable (Chromium draws them with no width) showed as nothing, with no warning.
        var reserved = ReviewId(await agent.CallToolAsync("delete_contact", new Dictionary<string, object?>
        {
            ["contact_id"] = "c-1001",
            ["note"] = "Thanks \U0001F60A\U000E00E8\U000E00E9\U000E0200\u2065\uFFF0",
            ["idempotency_key"] = "k-console-reserved",
        }).AsTask().WaitAsync(Timeout));
        // Numbers a JavaScript number would round: the reviewer must see what will run, digit for digit.
        var exact = ReviewId(await agent.CallToolAsync("delete_contact", new Dictionary<string, object?>
        {
            ["contact_id"] = "c-1002",
            ["account"] = System.Text.Json.JsonDocument.Parse("12345678901234567891").RootElement,
            ["share"] = System.Text.Json.JsonDocument.Parse("0.30000000000000001").RootElement,
            ["idempotency_key"] = "k-console-exact",
        }).AsTask().WaitAsync(Timeout));

        using var playwright = await Playwright.CreateAsync().WaitAsync(Timeout);
        await using var browser = await LaunchChromiumAsync(playwright);
        var page = await browser.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        var violations = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (violations)
                {
                    violations.Add(message.Text);
                }
            }
        };

        var response = await page.GotoAsync(Admin.BaseUrl + "/admin/");
        var headers = await response!.AllHeadersAsync();
        Assert.Contains("script-src 'self'", headers["content-security-policy"]);
        Assert.Contains("default-src 'none'", headers["content-security-policy"]);
        Assert.Equal("nosniff", headers["x-content-type-options"]);

        await page.FillAsync("#token", await Admin.TokenAsync("portcullis:review", "reviewer-bob"));
        await page.ClickAsync("#sign-in button[type=submit]");
        var row = page.Locator($"tr[data-review='{id}']");
        await row.WaitForAsync();
        var text = await row.InnerTextAsync();
        Assert.Contains("delete_contact", text);
        Assert.Contains("alice", text);
        Assert.Contains("c-1003", text);

        // Arguments are the caller's input: shown as text, never as markup.
        var hostileRow = page.Locator($"tr[data-review='{hostile}']");
        Assert.Contains("<img src=x onerror=", await hostileRow.InnerTextAsync());
        Assert.Equal(0, await page.Locator("img").CountAsync());
        Assert.NotEqual("owned", await page.TitleAsync());
        var reorderedText = await page.Locator($"tr[data-review='{reordered}']").InnerTextAsync();
        Assert.Contains("c-\\u202E1234\\u202C", reorderedText);
        Assert.DoesNotContain('\u202E', reorderedText);
        Assert.Equal(1, await page.Locator($"[data-testid='hidden-characters-{reordered}']").CountAsync());
        var smuggledText = await page.Locator($"tr[data-review='{smuggled}']").InnerTextAsync();
        Assert.Contains("Thanks \U0001F60A\\uDB40\\uDD00\\uDB40\\uDD45", smuggledText);
        Assert.Equal(1, await page.Locator($"[data-testid='hidden-characters-{smuggled}']").CountAsync());
        var reservedText = await page.Locator($"tr[data-review='{reserved}']").InnerTextAsync();
        Assert.Contains("Thanks \U0001F60A\\uDB40\\uDCE8\\uDB40\\uDCE9\\uDB40\\uDE00\\u2065\\uFFF0", reservedText);
        Assert.Equal(1, await page.Locator($"[data-testid='hidden-characters-{reserved}']").CountAsync());
        Assert.Equal(0, await page.Locator($"[data-testid='hidden-characters-{id}']").CountAsync());
        var exactText = await page.Locator($"tr[data-review='{exact}']").InnerTextAsync();
        Assert.Contains("\"account\": 12345678901234567891", exactText);
        Assert.Contains("\"share\": 0.30000000000000001", exactText);
        Assert.Equal(0, await page.Locator("[data-testid='inexact-numbers']").CountAsync());

        await page.FillAsync($"[data-testid='reason-{id}']", "verified with the account owner");
        await page.ClickAsync($"[data-testid='approve-{id}']");
        await page.Locator("#status").Filter(new LocatorFilterOptions { HasText = "approved" }).WaitForAsync();
        await page.Locator($"[data-testid='decided-{id}']").Filter(new LocatorFilterOptions { HasText = "Approved." }).WaitForAsync();
        Assert.True(await page.Locator($"[data-testid='approve-{id}']").IsDisabledAsync());

        var retry = await DeleteAsync(agent, "c-1003", "k-console");
        Assert.True(retry.IsError != true, System.Text.Json.JsonSerializer.Serialize(retry));
        Assert.Equal("Deleted contact c-1003.", Text(retry));
        Assert.False(fixture.ContactExists("crm", "c-1003"));
        Assert.Empty(violations);

        var admin = await Admin.TokenAsync();
        var audited = await Admin.WaitForEventAsync(admin, "kind=review_decided&connector=crm", e => e["detail"]?.GetValue<string>()?.Contains(id) == true);
        Assert.Equal("reviewer-bob", audited["actor"]!.GetValue<string>());
    }

    /// <summary>
    /// A reviewer double-clicks Approve on the call they read. Before, the first click loaded the list again at once, the
    /// rows below moved up, and the second click landed on the next call's Approve: the agent that held a call right
    /// after a harmless one had it approved unread. The decided row now stays where it was, its buttons disabled.
    /// </summary>
    [Fact]
    public async Task Console_SecondClickOnApprove_AfterTheDecision_DoesNotApproveTheNextCall()
    {
        await using var agent = await AgentAsync("crm", "mallory");
        var read = ReviewId(await DeleteAsync(agent, "c-2001", "k-console-double-read"));
        var next = ReviewId(await DeleteAsync(agent, "c-2002", "k-console-double-next"));

        using var playwright = await Playwright.CreateAsync().WaitAsync(Timeout);
        await using var browser = await LaunchChromiumAsync(playwright);
        // Tall enough that the list never scrolls: the second click lands where the first did.
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 6000 } });
        page.SetDefaultTimeout(30_000);
        await page.GotoAsync(Admin.BaseUrl + "/admin/").WaitAsync(Timeout);
        await page.FillAsync("#token", await Admin.TokenAsync("portcullis:review", "reviewer-dan")).WaitAsync(Timeout);
        await page.ClickAsync("#sign-in button[type=submit]").WaitAsync(Timeout);
        await page.Locator($"[data-testid='approve-{next}']").WaitForAsync().WaitAsync(Timeout);
        var box = (await page.Locator($"[data-testid='approve-{read}']").BoundingBoxAsync().WaitAsync(Timeout))!;
        var (x, y) = (box.X + box.Width / 2, box.Y + box.Height / 2);

        await page.Mouse.ClickAsync(x, y).WaitAsync(Timeout);
        await page.Locator("#status").Filter(new LocatorFilterOptions { HasText = $"Review {read}: approved" }).WaitForAsync().WaitAsync(Timeout);
        // A double-click's second click comes a tenth of a second or more after the first: a local gateway has answered by then.
        await page.Mouse.ClickAsync(x, y).WaitAsync(Timeout);
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle).WaitAsync(Timeout);

        var reviewer = await Admin.TokenAsync("portcullis:review", "reviewer-dan");
        var first = await Admin.GetJsonAsync("/admin/api/reviews/" + read, reviewer).WaitAsync(Timeout);
        var second = await Admin.GetJsonAsync("/admin/api/reviews/" + next, reviewer).WaitAsync(Timeout);
        Assert.Equal("approved", first["state"]!.GetValue<string>());
        Assert.Equal("pending", second["state"]!.GetValue<string>());
        Assert.Empty(second["approvals"]!.AsArray());
        Assert.Equal("review_pending", Witness.ErrorCode(await DeleteAsync(agent, "c-2002", "k-console-double-next")));
        Assert.Contains("Approved.", await page.Locator($"tr[data-review='{read}']").InnerTextAsync().WaitAsync(Timeout));
        Assert.True(await page.Locator($"[data-testid='approve-{next}']").IsEnabledAsync().WaitAsync(Timeout));
    }

    [Fact]
    public async Task Console_DevSignIn_OnLoopbackWithTheDevIdentity_SignsInAsTheDevReviewer()
    {
        await using var agent = await AgentAsync("crm", "carol");
        var id = ReviewId(await DeleteAsync(agent, "c-1004", "k-dev-sign-in"));
        using var http = new HttpClient { Timeout = Timeout };
        // Without the console's header (what a cross-site form or a plain link sends), no token is minted.
        using var bare = await http.PostAsync(Admin.BaseUrl + "/admin/dev-sign-in", null);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, bare.StatusCode);
        Assert.Contains("\"code\":\"not_found\"", await bare.Content.ReadAsStringAsync().WaitAsync(Timeout), StringComparison.Ordinal);
        Assert.DoesNotContain("eyJ", await bare.Content.ReadAsStringAsync().WaitAsync(Timeout), StringComparison.Ordinal);

        using var playwright = await Playwright.CreateAsync().WaitAsync(Timeout);
        await using var browser = await LaunchChromiumAsync(playwright);
        var page = await browser.NewPageAsync();
        page.SetDefaultTimeout(30_000);

        // A fragment naming what every object inherits is no view: the console shows the reviews (before, a TypeError).
        await page.GotoAsync(Admin.BaseUrl + "/admin/#constructor");
        await page.ClickAsync("#dev-sign-in");
        await page.Locator("#status").Filter(new LocatorFilterOptions { HasText = "Signed in as dev-reviewer" }).WaitForAsync();
        var row = page.Locator($"tr[data-review='{id}']");
        await row.WaitForAsync();

        Assert.Contains("carol", await row.InnerTextAsync());
        var audited = await Admin.WaitForEventAsync(await Admin.TokenAsync(), "kind=dev_sign_in", e => e["actor"]?.GetValue<string>() == "dev-reviewer");
        Assert.Equal("recorded", audited["decision"]!.GetValue<string>());
    }

    /// <summary>Debian's Chromium, headless, with the flags this machine needs.</summary>
    /// <summary>Debian's Chromium, headless, as every console test drives it.</summary>
    internal static Task<IBrowser> LaunchChromiumAsync(IPlaywright playwright) =>
        playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
            Timeout = 60_000,
        }).WaitAsync(Timeout);
}
