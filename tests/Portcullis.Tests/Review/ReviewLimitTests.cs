using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Idempotency;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Review;

/// <summary>
/// <c>review.max_pending_per_principal</c> through a real MCP client: a caller at its limit of pending reviews cannot
/// hold another (no console entry, no webhook, nothing stored), its held calls still answer, other callers are not
/// affected, and a decision frees a place.
/// </summary>
public sealed class ReviewLimitTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task PendingLimitReached_NextCallRefusedRateLimited_NothingHeld_ADecisionFreesAPlace()
    {
        using var dir = new TempDir();
        var config = ReviewedEchoGateway.Config();
        config["review"] = new JsonObject { ["max_pending_per_principal"] = 2 };
        await using var gateway = await ReviewedEchoGateway.StartAsync(dir, config);
        var admin = await AdminPlane.OfAsync(gateway);
        await using var alice = await ReviewedEchoGateway.AgentAsync(gateway, "alice");
        await using var bob = await ReviewedEchoGateway.AgentAsync(gateway, "bob");

        var first = await EchoAsync(alice, "k-1");
        var second = await EchoAsync(alice, "k-2");
        var refused = await EchoAsync(alice, "k-3");
        var retry = await EchoAsync(alice, "k-1");
        var otherCaller = await EchoAsync(bob, "k-3");

        Assert.Equal("review_pending", Witness.ErrorCode(first));
        Assert.Equal("review_pending", Witness.ErrorCode(second));
        Assert.Equal("rate_limited", Witness.ErrorCode(refused));
        var error = Witness.Error(refused);
        Assert.True(error["retryable"]!.GetValue<bool>());
        Assert.Equal(30, error["retry_after_seconds"]!.GetValue<int>());
        Assert.Contains("already has 2 calls waiting for review", error["message"]!.GetValue<string>());
        Assert.Equal("review_pending", Witness.ErrorCode(retry));
        Assert.Equal(ReviewId(first), ReviewId(retry));
        Assert.Equal("review_pending", Witness.ErrorCode(otherCaller));

        var reviewer = await admin.TokenAsync("portcullis:review,portcullis:admin", "carol");
        // A reviewer facing one caller's queue lists that caller's pending reviews alone.
        var pending = (await admin.GetJsonAsync("/admin/api/reviews?state=pending&principal=alice", reviewer))["reviews"]!.AsArray();
        Assert.Equal([ReviewId(first), ReviewId(second)], pending.Select(r => r!["id"]!.GetValue<string>()));
        var others = (await admin.GetJsonAsync("/admin/api/reviews?state=pending&principal=bob", reviewer))["reviews"]!.AsArray();
        Assert.Equal(ReviewId(otherCaller), Assert.Single(others)!["id"]!.GetValue<string>());
        var keys = (await admin.GetJsonAsync("/admin/api/idempotency?key=k-3", reviewer))["records"]!.AsArray();
        Assert.Equal("bob", Assert.Single(keys)!["principal"]!.GetValue<string>());
        var audited = await admin.WaitForEventAsync(reviewer, "kind=tool_call&code=rate_limited&principal=alice",
            e => e["correlation_id"]?.GetValue<string>() == error["correlation_id"]!.GetValue<string>());
        Assert.Equal("review", audited["stage"]!.GetValue<string>());
        Assert.False(audited["upstream_reached"]!.GetValue<bool>());

        var denied = await admin.SendAsync(HttpMethod.Post, "/admin/api/reviews/" + ReviewId(first), reviewer, new JsonObject { ["decision"] = "deny" });
        Assert.Equal(200, denied.Status);
        var afterDecision = await EchoAsync(alice, "k-3");
        var full = await EchoAsync(alice, "k-4");

        Assert.Equal("review_pending", Witness.ErrorCode(afterDecision));
        Assert.Equal("rate_limited", Witness.ErrorCode(full));
        Assert.Equal("review_denied", Witness.ErrorCode(await EchoAsync(alice, "k-1")));
    }

    private static Task<CallToolResult> EchoAsync(McpClient agent, string key) =>
        agent.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "hello", ["idempotency_key"] = key }).AsTask().WaitAsync(Timeout);

    private static string ReviewId(CallToolResult result) =>
        Witness.Error(result)["details"]!.AsArray().Single(d => d!["keyword"]!.GetValue<string>() == "review_id")!["message"]!.GetValue<string>();
}
