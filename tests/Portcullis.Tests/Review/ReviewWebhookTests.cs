using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Idempotency;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Review;

/// <summary>The review webhook as a receiver that answers otherwise than expected sees it.</summary>
public sealed class ReviewWebhookTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    /// <summary>
    /// Before, an admin plane on every address with no admin.public_url started, and the webhook sent reviewers
    /// console_url http://0.0.0.0:…/admin/#reviews, a link no reviewer can open. serve now refuses to start (exit 2) and
    /// says to set admin.public_url; --admin-listen is judged as admin.listen.
    /// </summary>
    [Theory]
    [InlineData("http://0.0.0.0:0", null)]
    [InlineData("http://127.0.0.1:0", "http://[::]:0")]
    public async Task Serve_WebhookWithAdminOnEveryAddressWithoutPublicUrl_RefusesToStart(string adminListen, string? overridden)
    {
        using var dir = new TempDir();
        var config = ReviewedEchoGateway.Config();
        config["identity"] = new JsonObject { ["issuer"] = "https://login.example.com/", ["jwks_uri"] = "https://login.example.com/keys" };
        config["admin"] = new JsonObject { ["listen"] = adminListen };
        config["review"] = new JsonObject { ["notify_url"] = "https://hooks.example.com/review" };
        var path = TestConfig.Write(dir, config);

        var (exit, _, output) = await PortcullisCli.RunAsync(
            ["serve", "--config", path, "--data-dir", dir.File("data"), .. overridden is null ? Array.Empty<string>() : ["--admin-listen", overridden]]);

        Assert.Equal(2, exit);
        Assert.Contains("$.admin.public_url", output, StringComparison.Ordinal);
        Assert.Contains("set admin.public_url", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Admin plane listening", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Before, lint took no --admin-listen: a config serve refuses once --admin-listen puts the admin plane on every
    /// address (a review webhook, no admin.public_url) could not be checked as it would run. lint now judges it as serve does.
    /// </summary>
    [Fact]
    public async Task Lint_AdminListenOnEveryAddressWithWebhook_ReportsWhatServeRefuses()
    {
        using var dir = new TempDir();
        var config = ReviewedEchoGateway.Config();
        config["identity"] = new JsonObject { ["issuer"] = "https://login.example.com/", ["jwks_uri"] = "https://login.example.com/keys" };
        config["admin"] = new JsonObject { ["listen"] = "http://127.0.0.1:9090" };
        config["review"] = new JsonObject { ["notify_url"] = "https://hooks.example.com/review" };
        var path = TestConfig.Write(dir, config);

        var lint = await LintCli.RunAsync(path, "--data-dir", dir.File("data"), "--offline", "--admin-listen", "http://0.0.0.0:9090");

        Assert.Equal(2, lint.Exit);
        var finding = Assert.Single(lint.Of("config-invalid"));
        Assert.Equal("$.admin.public_url", finding["path"]!.GetValue<string>());
    }

    /// <summary>
    /// Before, a 307 from the receiver was followed, POST and body, so the review's summary went wherever the receiver
    /// pointed (an internal host as readily as any). A redirect is now a failed delivery, logged, and not tried again.
    /// </summary>
    [Fact]
    public async Task Redirect_IsNotFollowed_TheDeliveryFails()
    {
        await using var webhook = await WebhookReceiver.StartAsync(failFirst: 0, redirect: true);
        using var dir = new TempDir();
        var config = ReviewedEchoGateway.Config();
        config["review"] = new JsonObject { ["notify_url"] = webhook.Url };
        await using var gateway = await ReviewedEchoGateway.StartAsync(dir, config);
        await using var alice = await ReviewedEchoGateway.AgentAsync(gateway, "alice");

        var held = await alice.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "hi", ["idempotency_key"] = "k-redirect" }).AsTask().WaitAsync(Timeout);

        Assert.Equal("review_pending", Witness.ErrorCode(held));
        await gateway.WaitForOutputAsync("the review webhook failed after every attempt", Timeout);
        Assert.Equal(1, webhook.Failed);
        Assert.Equal(0, webhook.Redirected);
    }

    /// <summary>
    /// Before, the webhook's summary with audit.include_arguments carried {"text": "аdmin"} (a Cyrillic а) and nothing
    /// more: a reviewer deciding from the chat notification read "admin". It now carries the review's warnings, the
    /// same list as the admin API's.
    /// </summary>
    [Fact]
    public async Task Summary_WithArgumentsThatMixScripts_CarriesTheAdminApisWarnings()
    {
        await using var webhook = await WebhookReceiver.StartAsync(failFirst: 0);
        using var dir = new TempDir();
        var config = ReviewedEchoGateway.Config();
        config["review"] = new JsonObject { ["notify_url"] = webhook.Url };
        config["audit"] = new JsonObject { ["include_arguments"] = true };
        await using var gateway = await ReviewedEchoGateway.StartAsync(dir, config);
        var admin = await AdminPlane.OfAsync(gateway);
        await using var alice = await ReviewedEchoGateway.AgentAsync(gateway, "alice");

        var id = ReviewId(await alice.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "grant \u0430dmin", ["idempotency_key"] = "k-mixed" })
            .AsTask().WaitAsync(Timeout));

        var delivered = await webhook.WaitForAsync(b => b["review_id"]?.GetValue<string>() == id, Timeout);
        Assert.Equal("grant \u0430dmin", delivered["arguments"]!["text"]!.GetValue<string>());
        // The text a chat shows says where the look-alike letters are, not the word.
        Assert.EndsWith(" Look-alike letters (words that mix scripts) in /text: see warnings.", delivered["text"]!.GetValue<string>(), StringComparison.Ordinal);
        var warning = Assert.Single(delivered["warnings"]!.AsArray())!;
        Assert.Equal("mixed_scripts", warning["code"]!.GetValue<string>());
        Assert.Equal("/text", warning["path"]!.GetValue<string>());
        Assert.Equal("\u0430dmin", warning["word"]!.GetValue<string>());
        Assert.Equal("U+0430", Assert.Single(warning["letters"]!.AsArray())!["code_point"]!.GetValue<string>());
        var review = await admin.GetJsonAsync("/admin/api/reviews/" + id, await admin.TokenAsync("portcullis:review", "reviewer-bob")).WaitAsync(Timeout);
        Assert.True(JsonNode.DeepEquals(review["warnings"], delivered["warnings"]));
    }

    /// <summary>
    /// Before, the warnings of the admin API and of the webhook stopped at 32 words with nothing to say so: a client could
    /// not tell a list cut there from a whole one (the console guessed from the length). Both now carry
    /// warnings_truncated beside the list, true only when the arguments hold more such words than it lists.
    /// </summary>
    [Fact]
    public async Task Summary_AndAdminApi_WarningsPastTheCap_SayTheListWasCut()
    {
        await using var webhook = await WebhookReceiver.StartAsync(failFirst: 0);
        using var dir = new TempDir();
        var config = ReviewedEchoGateway.Config();
        config["review"] = new JsonObject { ["notify_url"] = webhook.Url };
        config["audit"] = new JsonObject { ["include_arguments"] = true };
        await using var gateway = await ReviewedEchoGateway.StartAsync(dir, config);
        var admin = await AdminPlane.OfAsync(gateway);
        var reviewer = await admin.TokenAsync("portcullis:review", "reviewer-bob");
        await using var alice = await ReviewedEchoGateway.AgentAsync(gateway, "alice");

        foreach (var (words, listed, truncated) in new[] { (3, 3, false), (32, 32, false), (33, 32, true), (100, 32, true) })
        {
            var text = string.Join(' ', Enumerable.Repeat("\u0430dmin", words));
            var id = ReviewId(await alice.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = text, ["idempotency_key"] = $"k-words-{words}" })
                .AsTask().WaitAsync(Timeout));

            var delivered = await webhook.WaitForAsync(b => b["review_id"]?.GetValue<string>() == id, Timeout);
            var review = await admin.GetJsonAsync("/admin/api/reviews/" + id, reviewer).WaitAsync(Timeout);
            var pending = (await admin.GetJsonAsync("/admin/api/reviews?state=pending&limit=500", reviewer).WaitAsync(Timeout))["reviews"]!.AsArray()
                .Single(r => r!["id"]!.GetValue<string>() == id)!;

            foreach (var (where, json) in new[] { ("webhook", delivered), ("review", review), ("list", pending) })
            {
                Assert.True(json["warnings_truncated"]?.GetValueKind() is JsonValueKind.True or JsonValueKind.False, $"{words} words, {where}: {json["warnings_truncated"]}");
                Assert.Equal((words, where, listed, truncated), (words, where, json["warnings"]!.AsArray().Count, json["warnings_truncated"]!.GetValue<bool>()));
            }
        }
    }

    /// <summary>
    /// A warning names a word of the arguments, so it goes only where include_arguments lets the arguments go: without
    /// it the summary has neither, and a field the trail redacts is "[redacted]" there, with no warning naming its word.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Summary_ArgumentsNotCarriedOrRedacted_NoWarningNamesTheirWords(bool includeArguments)
    {
        await using var webhook = await WebhookReceiver.StartAsync(failFirst: 0);
        using var dir = new TempDir();
        var config = ReviewedEchoGateway.Config();
        config["review"] = new JsonObject { ["notify_url"] = webhook.Url };
        config["audit"] = new JsonObject { ["include_arguments"] = includeArguments, ["redact"] = new JsonArray("text") };
        await using var gateway = await ReviewedEchoGateway.StartAsync(dir, config);
        await using var alice = await ReviewedEchoGateway.AgentAsync(gateway, "alice");

        var id = ReviewId(await alice.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "grant \u0430dmin", ["idempotency_key"] = "k-unseen" })
            .AsTask().WaitAsync(Timeout));

        var delivered = await webhook.WaitForAsync(b => b["review_id"]?.GetValue<string>() == id, Timeout);
        var json = delivered.ToJsonString(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        Assert.DoesNotContain("\u0430", json, StringComparison.Ordinal);
        Assert.DoesNotContain("U+0430", json, StringComparison.Ordinal);
        Assert.DoesNotContain("Look-alike", delivered["text"]!.GetValue<string>(), StringComparison.Ordinal);
        if (includeArguments)
        {
            Assert.Equal("[redacted]", delivered["arguments"]!["text"]!.GetValue<string>());
            Assert.Empty(delivered["warnings"]!.AsArray());
            Assert.False(delivered["warnings_truncated"]!.GetValue<bool>());
        }
        else
        {
            Assert.Null(delivered["arguments"]);
            Assert.Null(delivered["warnings"]);
            Assert.Null(delivered["warnings_truncated"]);
        }
    }

    private static string ReviewId(CallToolResult result) =>
        Witness.Error(result)["details"]!.AsArray().Single(d => d!["keyword"]!.GetValue<string>() == "review_id")!["message"]!.GetValue<string>();
}
