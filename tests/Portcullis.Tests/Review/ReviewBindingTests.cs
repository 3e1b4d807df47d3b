using System.Text.Json.Nodes;
using System.Threading.Channels;
using ModelContextProtocol.Client;
using Microsoft.Playwright;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Idempotency;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Review;

/// <summary>
/// An approval covers the tool as it was described when the call was held: the fixture upstream rewrites the reviewed
/// tool's description after the approval, and the approved retry is not executed.
/// </summary>
public sealed class ReviewBindingTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task ToolDefinitionChangedAfterApproval_RetryAnsweredOutdated_NotExecuted_NewKeyReviewedAgain()
    {
        using var dir = new TempDir();
        await using var gateway = await StartAsync(dir);
        var admin = await AdminPlane.OfAsync(gateway);
        await using var agent = await McpClients.ConnectAsync(
            gateway.Endpoint("fixture"), await PortcullisCli.DevTokenAsync(gateway, "fixture", "echo:write", "alice"), "2025-11-25");
        var told = Channel.CreateUnbounded<bool>();
        await using var onChange = agent.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) => told.Writer.WriteAsync(true));

        var held = await EchoAsync(agent, "hello", "k-bound");
        Assert.Equal("review_pending", Witness.ErrorCode(held));
        var id = ReviewId(held);
        var approved = await admin.SendAsync(HttpMethod.Post, "/admin/api/reviews/" + id, await admin.TokenAsync("portcullis:review", "bob"),
            new JsonObject { ["decision"] = "approve" });
        Assert.Equal(200, approved.Status);
        var definition = approved.Body!["definition_sha256"]!.GetValue<string>();
        Assert.Matches("^[0-9a-f]{64}$", definition);
        Assert.NotNull(approved.Body["execute_by"]);

        // The upstream rewrites the reviewed tool; the gateway takes the new definition (no pins here).
        await agent.CallToolAsync("mutate_echo", new Dictionary<string, object?> { ["change"] = "description" }, cancellationToken: Timeouts.CallToken);
        await told.Reader.ReadAsync().AsTask().WaitAsync(Timeout);
        var described = (await agent.ListToolsAsync(cancellationToken: Timeouts.CallToken)).Single(t => t.Name == "echo").Description;
        Assert.Contains("password", described, StringComparison.Ordinal);

        var retry = await EchoAsync(agent, "hello", "k-bound");
        var again = await EchoAsync(agent, "hello", "k-bound");
        var fresh = await EchoAsync(agent, "hello", "k-fresh");

        Assert.Equal("review_outdated", Witness.ErrorCode(retry));
        Assert.False(Witness.Error(retry)["retryable"]!.GetValue<bool>());
        Assert.Equal(id, ReviewId(retry));
        Assert.Equal("review_outdated", Witness.ErrorCode(again));
        Assert.Equal("review_pending", Witness.ErrorCode(fresh));
        var review = await admin.GetJsonAsync("/admin/api/reviews/" + ReviewId(fresh), await admin.TokenAsync("portcullis:review", "bob"));
        Assert.NotEqual(definition, review["definition_sha256"]!.GetValue<string>());
        var record = await admin.GetJsonAsync("/admin/api/reviews/" + id, await admin.TokenAsync("portcullis:review", "bob"));
        Assert.Equal("approved", record["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task ToolDefinitionChangedWhilePending_ReviewShownOutdated_ApprovalRefused409_NothingRecorded()
    {
        using var dir = new TempDir();
        await using var gateway = await StartAsync(dir);
        var admin = await AdminPlane.OfAsync(gateway);
        var reviewer = await admin.TokenAsync("portcullis:review,portcullis:admin", "bob");
        await using var agent = await McpClients.ConnectAsync(
            gateway.Endpoint("fixture"), await PortcullisCli.DevTokenAsync(gateway, "fixture", "echo:write", "alice"), "2025-11-25");
        var told = Channel.CreateUnbounded<bool>();
        await using var onChange = agent.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) => told.Writer.WriteAsync(true));
        var id = ReviewId(await EchoAsync(agent, "hello", "k-stale"));
        var before = await admin.GetJsonAsync("/admin/api/reviews/" + id, reviewer);

        await agent.CallToolAsync("mutate_echo", new Dictionary<string, object?> { ["change"] = "description" }, cancellationToken: Timeouts.CallToken);
        await told.Reader.ReadAsync().AsTask().WaitAsync(Timeout);
        var after = await admin.GetJsonAsync("/admin/api/reviews/" + id, reviewer);
        var approve = await admin.SendAsync(HttpMethod.Post, "/admin/api/reviews/" + id, reviewer, new JsonObject { ["decision"] = "approve" });
        var deny = await admin.SendAsync(HttpMethod.Post, "/admin/api/reviews/" + id, reviewer, new JsonObject { ["decision"] = "deny" });
        var retry = await EchoAsync(agent, "hello", "k-stale");

        Assert.False(before["outdated"]!.GetValue<bool>());
        Assert.True(after["outdated"]!.GetValue<bool>());
        Assert.Equal("pending", after["state"]!.GetValue<string>());
        Assert.Equal(409, approve.Status);
        Assert.Equal("conflict", approve.Body!["error"]!["code"]!.GetValue<string>());
        Assert.Contains("review_outdated", approve.Body["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(409, deny.Status);
        Assert.Equal("review_outdated", Witness.ErrorCode(retry));
        var record = await admin.GetJsonAsync("/admin/api/reviews/" + id, reviewer);
        Assert.Null(record["decision"]);
        Assert.Empty(record["approvals"]!.AsArray());
        var trail = await admin.GetJsonAsync("/admin/api/audit?kind=review_decided", reviewer);
        Assert.Empty(trail["events"]!.AsArray());

        // The console says why, and offers no decision that would be refused.
        using var playwright = await Playwright.CreateAsync().WaitAsync(Timeout);
        await using var browser = await ReviewTests.LaunchChromiumAsync(playwright);
        var page = await browser.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        await page.GotoAsync(admin.BaseUrl + "/admin/").WaitAsync(Timeout);
        await page.FillAsync("#token", reviewer).WaitAsync(Timeout);
        await page.ClickAsync("#sign-in button[type=submit]").WaitAsync(Timeout);
        await page.Locator($"[data-testid='undecidable-{id}']").WaitForAsync().WaitAsync(Timeout);
        Assert.Contains("Outdated", await page.Locator($"tr[data-review='{id}']").InnerTextAsync().WaitAsync(Timeout));
        Assert.Equal(0, await page.Locator($"[data-testid='approve-{id}']").CountAsync().WaitAsync(Timeout));
    }

    /// <summary>A gateway whose <c>echo</c> is a write held for a reviewer, and whose <c>mutate_echo</c> makes the upstream rewrite it.</summary>
    private static Task<GatewayProcess> StartAsync(TempDir dir)
    {
        var connector = TestConfig.Protect(TestConfig.FixtureConnector("fixture", ["echo", "mutate_echo"], tools: new JsonObject
        {
            ["echo"] = new JsonObject
            {
                ["scopes"] = new JsonArray("echo:write"),
                ["read_only"] = false,
                ["review"] = new JsonObject { ["required"] = true, ["mode"] = "reviewer" },
            },
            ["mutate_echo"] = TestConfig.Tool(["echo:write"]),
        }), ["echo:write"]);
        var config = TestConfig.Gateway(connector);
        config["identity"] = new JsonObject { ["dev"] = true };
        return GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"), extraArgs: AdminPlane.ServeArgs);
    }

    private static Task<CallToolResult> EchoAsync(McpClient agent, string text, string key) =>
        agent.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = text, ["idempotency_key"] = key }).AsTask().WaitAsync(Timeout);

    private static string ReviewId(CallToolResult result) =>
        Witness.Error(result)["details"]!.AsArray().Single(d => d!["keyword"]!.GetValue<string>() == "review_id")!["message"]!.GetValue<string>();
}
