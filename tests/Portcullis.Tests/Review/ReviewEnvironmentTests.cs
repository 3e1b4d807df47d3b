using System.Text.Json.Nodes;
using Portcullis.Tests.Idempotency;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Review;

/// <summary>
/// The admin plane acts for its own environment only. Held calls and stored keys carry their environment; a gateway
/// of another environment on the same state (here the same data dir after the environment was renamed, as two
/// environments sharing one PostgreSQL or Redis would) neither lists them nor decides or settles them, and its audit
/// queries (admin API and <c>portcullis audit</c>) show its own environment's events.
/// </summary>
public sealed class ReviewEnvironmentTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task AdminPlaneOfAnotherEnvironment_SameStore_NeitherListsNorDecidesItsReviewsOrKeys()
    {
        using var dir = new TempDir();
        string reviewId, keyId;
        await using (var prod = await StartAsync(dir, "prod"))
        {
            var admin = await AdminPlane.OfAsync(prod);
            await using var agent = await ReviewedEchoGateway.AgentAsync(prod, "alice");
            var held = await agent.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "hello", ["idempotency_key"] = "k-prod" })
                .AsTask().WaitAsync(Timeout);
            Assert.Equal("review_pending", Witness.ErrorCode(held));
            reviewId = Witness.Error(held)["details"]!.AsArray().Single(d => d!["keyword"]!.GetValue<string>() == "review_id")!["message"]!.GetValue<string>();
            var records = await admin.GetJsonAsync("/admin/api/idempotency?state=awaiting_review&key=k-prod", await admin.TokenAsync());
            keyId = Assert.Single(records["records"]!.AsArray())!["id"]!.GetValue<string>();
        }

        await using var staging = await StartAsync(dir, "staging");
        var stagingAdmin = await AdminPlane.OfAsync(staging);
        var reviewer = await stagingAdmin.TokenAsync("portcullis:review,portcullis:admin", "bob");

        var listed = await stagingAdmin.GetJsonAsync("/admin/api/reviews", reviewer);
        var shown = await stagingAdmin.SendAsync(HttpMethod.Get, "/admin/api/reviews/" + reviewId, reviewer);
        var decided = await stagingAdmin.SendAsync(HttpMethod.Post, "/admin/api/reviews/" + reviewId, reviewer, new JsonObject { ["decision"] = "approve" });
        var keys = await stagingAdmin.GetJsonAsync("/admin/api/idempotency", reviewer);
        var key = await stagingAdmin.SendAsync(HttpMethod.Get, "/admin/api/idempotency/" + keyId, reviewer);
        var settled = await stagingAdmin.SendAsync(HttpMethod.Post, $"/admin/api/idempotency/{keyId}/resolve", reviewer, new JsonObject { ["executed"] = false });

        Assert.Empty(listed["reviews"]!.AsArray());
        Assert.Equal(404, shown.Status);
        Assert.Equal(404, decided.Status);
        Assert.Equal("not_found", decided.Body!["error"]!["code"]!.GetValue<string>());
        Assert.Empty(keys["records"]!.AsArray());
        Assert.Equal(404, key.Status);
        Assert.Equal(404, settled.Status);
        var trail = await stagingAdmin.GetJsonAsync("/admin/api/audit?principal=alice", reviewer);
        Assert.Empty(trail["events"]!.AsArray());
        var (exit, stdout, output) = await PortcullisCli.RunAsync("audit", "--config", staging.ConfigPath, "--data-dir", staging.DataDir, "--principal", "alice", "--json");
        Assert.True(exit == 0, output);
        Assert.Empty(stdout.Trim());
    }

    private static Task<GatewayProcess> StartAsync(TempDir dir, string environment) =>
        ReviewedEchoGateway.StartAsync(dir, ReviewedEchoGateway.Config(environment));
}
