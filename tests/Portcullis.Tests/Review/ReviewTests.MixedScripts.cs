using System.Text.Json.Nodes;
using Microsoft.Playwright;
using ModelContextProtocol.Client;
using Portcullis.Tests.Idempotency;
using Portcullis.Tests.Protocol;

namespace Portcullis.Tests.Review;

/// <summary>
/// Words that mix scripts in a held call's arguments. Before, <c>{"user": "аdmin"}</c> with a Cyrillic "а" read "admin"
/// in the console, in the admin API and in the question put to the calling user, with nothing to tell the two apart.
/// </summary>
public sealed partial class ReviewTests
{
    /// <summary>"аdmin" with a Cyrillic а (U+0430); a property name "rоle" with a Cyrillic о (U+043E); a Russian sentence.</summary>
    private static Dictionary<string, object?> MixedScriptArguments(string contact, string key) => new()
    {
        ["contact_id"] = contact,
        ["user"] = "\u0430dmin",
        ["r\u043Ele"] = "owner",
        ["note"] = "Привет, мир: удалите этот контакт.",
        ["idempotency_key"] = key,
    };

    [Fact]
    public async Task ReviewApi_HeldArgumentsMixScripts_WarningsNameEachWordItsScriptsAndLetters()
    {
        await using var agent = await AgentAsync("crm", "mallory");
        var id = ReviewId(await agent.CallToolAsync("delete_contact", MixedScriptArguments("c-1004", "k-mixed-api")).AsTask().WaitAsync(Timeout));
        var plain = ReviewId(await DeleteAsync(agent, "c-1004", "k-mixed-api-plain"));
        var reviewer = await Admin.TokenAsync("portcullis:review", "reviewer-erin");

        var review = await Admin.GetJsonAsync("/admin/api/reviews/" + id, reviewer).WaitAsync(Timeout);
        var listed = (await Admin.GetJsonAsync("/admin/api/reviews?state=pending&principal=mallory&limit=500", reviewer).WaitAsync(Timeout))["reviews"]!.AsArray();

        var warnings = review["warnings"]!.AsArray();
        Assert.Equal(2, warnings.Count);
        var user = warnings.Single(w => w!["path"]!.GetValue<string>() == "/user")!;
        Assert.Equal("mixed_scripts", user["code"]!.GetValue<string>());
        Assert.Equal("value", user["in"]!.GetValue<string>());
        Assert.Equal("\u0430dmin", user["word"]!.GetValue<string>());
        Assert.Equal(["Latin", "Cyrillic"], user["scripts"]!.AsArray().Select(s => s!.GetValue<string>()));
        var letter = Assert.Single(user["letters"]!.AsArray())!;
        Assert.Equal("\u0430", letter["letter"]!.GetValue<string>());
        Assert.Equal("U+0430", letter["code_point"]!.GetValue<string>());
        Assert.Equal("Cyrillic", letter["script"]!.GetValue<string>());
        Assert.Equal("mixes Latin and Cyrillic letters", user["message"]!.GetValue<string>());
        var role = warnings.Single(w => w!["path"]!.GetValue<string>() == "/r\u043Ele")!;
        Assert.Equal("key", role["in"]!.GetValue<string>());
        Assert.Equal("U+043E", role["letters"]![0]!["code_point"]!.GetValue<string>());
        // The Russian sentence is one script per word: no warning for it.
        Assert.DoesNotContain(warnings, w => w!["path"]!.GetValue<string>() == "/note");
        Assert.True(JsonNode.DeepEquals(warnings, listed.Single(r => r!["id"]!.GetValue<string>() == id)!["warnings"]));
        Assert.Empty(listed.Single(r => r!["id"]!.GetValue<string>() == plain)!["warnings"]!.AsArray());
    }

    [Theory]
    [InlineData(Versions.V2025)]
    [InlineData(Versions.V2026)]
    public async Task CallerMode_ArgumentsMixScripts_TheQuestionNamesTheWordsAndCodePoints(string version)
    {
        var asked = new List<string>();
        await using var agent = await AgentAsync("crm-confirm", "mallory", version, Answering(asked, "decline", confirm: null));

        var result = await agent.CallToolAsync("delete_contact", MixedScriptArguments("c-1005", "k-mixed-ask-" + version)).AsTask().WaitAsync(Timeout);

        Assert.Equal("review_denied", Witness.ErrorCode(result));
        var question = Assert.Single(asked);
        Assert.Contains("/user: \"\u0430dmin\" mixes Latin and Cyrillic letters: \u0430 U+0430 Cyrillic", question, StringComparison.Ordinal);
        Assert.Contains("/r\u043Ele (property name): \"r\u043Ele\" mixes Latin and Cyrillic letters: \u043E U+043E Cyrillic", question, StringComparison.Ordinal);
        Assert.DoesNotContain("/note", question, StringComparison.Ordinal);
        // The arguments themselves, as the question has always written them: letters past ASCII as escapes.
        Assert.Contains("\"user\":\"\\u0430dmin\"", question, StringComparison.Ordinal);
        Assert.True(fixture.ContactExists("crm-confirm", "c-1005"));
    }

    [Fact]
    public async Task Console_HeldArgumentsMixScripts_WarnsNamingTheScripts_MarksTheLettersWithCodePoints()
    {
        await using var agent = await AgentAsync("crm", "mallory");
        var id = ReviewId(await agent.CallToolAsync("delete_contact", MixedScriptArguments("c-1003", "k-mixed-console")).AsTask().WaitAsync(Timeout));
        var plain = ReviewId(await DeleteAsync(agent, "c-1003", "k-mixed-console-plain"));

        using var playwright = await Playwright.CreateAsync().WaitAsync(Timeout);
        await using var browser = await LaunchChromiumAsync(playwright);
        var page = await browser.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        await page.GotoAsync(Admin.BaseUrl + "/admin/").WaitAsync(Timeout);
        await page.FillAsync("#token", await Admin.TokenAsync("portcullis:review", "reviewer-erin")).WaitAsync(Timeout);
        await page.ClickAsync("#sign-in button[type=submit]").WaitAsync(Timeout);
        var row = page.Locator($"tr[data-review='{id}']");
        await row.WaitForAsync().WaitAsync(Timeout);

        var warning = page.Locator($"[data-testid='mixed-scripts-{id}']");
        var text = await warning.InnerTextAsync().WaitAsync(Timeout);
        Assert.Contains("/user", text, StringComparison.Ordinal);
        Assert.Contains("mixes Latin and Cyrillic letters", text, StringComparison.Ordinal);
        Assert.Contains("U+0430", text, StringComparison.Ordinal);
        Assert.Contains("(property name)", text, StringComparison.Ordinal);
        Assert.Contains("U+043E", text, StringComparison.Ordinal);
        Assert.Equal(2, await warning.Locator("li").CountAsync().WaitAsync(Timeout));
        Assert.Equal(["\u0430", "\u043E"], (await warning.Locator("mark.script").AllInnerTextsAsync().WaitAsync(Timeout)).Order(StringComparer.Ordinal));
        // In the arguments themselves, the same two letters are marked, and none of the Russian sentence's.
        var marked = await row.Locator("pre.arguments mark.script").AllInnerTextsAsync().WaitAsync(Timeout);
        Assert.Equal(["\u0430", "\u043E"], marked.Order(StringComparer.Ordinal));
        Assert.Contains("\"user\": \"\u0430dmin\"", await row.Locator("pre.arguments").InnerTextAsync().WaitAsync(Timeout), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator($"[data-testid='mixed-scripts-{plain}']").CountAsync().WaitAsync(Timeout));
    }
}
