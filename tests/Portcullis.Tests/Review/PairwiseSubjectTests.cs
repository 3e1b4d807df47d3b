using System.Net;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Auth;
using Portcullis.Tests.Idempotency;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Review;

/// <summary>
/// <c>identity.subject_claim</c>: with a provider whose <c>sub</c> differs per application (the agent's token and the
/// console's), the principal and the reviewer are both the person's <c>oid</c>, so nobody approves their own call
/// under another <c>sub</c>; a token without the claim is refused on both planes, never keyed by a stand-in.
/// </summary>
public sealed class PairwiseSubjectTests(PairwiseSubjectGateway fixture) : IClassFixture<PairwiseSubjectGateway>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Approve_SameOidOtherSub_RefusedOwnCall_AnotherPersonApproves()
    {
        await using var agent = await fixture.AgentAsync(fixture.AgentToken(("sub", "pairwise-agent-7f3a"), ("oid", "person-alice")));
        var held = await EchoAsync(agent, "k-pairwise");
        var id = ReviewId(held);

        // The same person signed in to the console: the provider gave that application another sub.
        var self = await fixture.Admin.SendAsync(HttpMethod.Post, "/admin/api/reviews/" + id,
            fixture.ReviewerToken(("sub", "pairwise-console-19c2"), ("oid", "person-alice")), Decision("approve"));

        Assert.Equal("review_pending", Witness.ErrorCode(held));
        Assert.Equal(403, self.Status);
        Assert.Equal("forbidden", self.Body!["error"]!["code"]!.GetValue<string>());
        var correlationId = self.Body["error"]!["correlation_id"]!.GetValue<string>();
        await fixture.Gateway.WaitForOutputAsync($"Request {correlationId}: admin /admin/api/reviews/{id} refused (own_call) for person-alice", Timeout);
        Assert.Equal("review_pending", Witness.ErrorCode(await EchoAsync(agent, "k-pairwise")));

        // Another person, whose console sub happens to be the agent's sub: sub decides nothing here.
        var reviewer = fixture.ReviewerToken(("sub", "pairwise-agent-7f3a"), ("oid", "person-bob"));
        var listed = (await fixture.Admin.GetJsonAsync("/admin/api/reviews/" + id, reviewer))!;
        var approved = await fixture.Admin.SendAsync(HttpMethod.Post, "/admin/api/reviews/" + id, reviewer, Decision("approve"));
        var ran = await EchoAsync(agent, "k-pairwise");

        Assert.Equal("person-alice", listed["principal"]!.GetValue<string>());
        Assert.Equal(200, approved.Status);
        Assert.Equal("person-bob", approved.Body!["decision"]!["decided_by"]!.GetValue<string>());
        Assert.NotEqual(true, ran.IsError);
        var audited = await fixture.Admin.WaitForEventAsync(reviewer, "kind=review_decided&connector=fixture", e => e["detail"]?.GetValue<string>()?.Contains(id) == true);
        Assert.Equal("person-bob", audited["actor"]!.GetValue<string>());
        Assert.Equal("person-alice", audited["principal"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("empty")]
    [InlineData("two_values")]
    [InlineData("number")]
    public async Task Token_WithoutTheSubjectClaim_Refused401OnBothPlanes(string fault)
    {
        // Of several values the principal would be the first, which the provider's next token may order otherwise.
        object? oid = fault switch
        {
            "empty" => "",
            "two_values" => new[] { "person-alice", "person-bob" },
            "number" => 42L,
            _ => null,
        };
        var agentToken = fixture.AgentToken(("sub", "pairwise-agent-0b1e"), ("oid", oid));
        var adminToken = fixture.ReviewerToken(("sub", "pairwise-console-0b1e"), ("oid", oid));

        using var connector = await AuthGateway.PostAsync(fixture.Gateway.Endpoint("fixture"), "Bearer " + agentToken, AuthGateway.Initialize);
        var admin = await fixture.Admin.SendAsync(HttpMethod.Get, "/admin/api/reviews", adminToken);

        Assert.Equal(HttpStatusCode.Unauthorized, connector.StatusCode);
        Assert.Contains("error_description=\"the token has no subject (its subject claim is missing or not one string)\"", AuthGateway.Challenge(connector), StringComparison.Ordinal);
        var error = JsonNode.Parse(await connector.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal("unauthenticated", error["code"]!.GetValue<string>());
        await fixture.Gateway.WaitForOutputAsync(
            $"Connector fixture: token refused (oid is missing, empty, not a string or given more than once); answered 401 (correlation id {error["correlation_id"]!.GetValue<string>()}", Timeout);
        Assert.Equal(401, admin.Status);
        Assert.Equal("unauthenticated", admin.Body!["error"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Token_WithTheSubjectClaimAndNoSub_IsAccepted()
    {
        await using var agent = await fixture.AgentAsync(fixture.AgentToken(("sub", null), ("oid", "person-carol")));

        var held = await EchoAsync(agent, "k-no-sub");

        Assert.Equal("review_pending", Witness.ErrorCode(held));
        var listed = await fixture.Admin.GetJsonAsync("/admin/api/reviews/" + ReviewId(held), fixture.ReviewerToken(("sub", null), ("oid", "person-dan")));
        Assert.Equal("person-carol", listed["principal"]!.GetValue<string>());
    }

    [Fact]
    public async Task DevIdentity_SubjectClaimOid_TokensCarryIt_OwnCallStillRefused()
    {
        using var dir = new TempDir();
        var config = ReviewedEchoGateway.Config();
        config["identity"]!["subject_claim"] = "oid";
        await using var gateway = await ReviewedEchoGateway.StartAsync(dir, config);
        var admin = await AdminPlane.OfAsync(gateway);
        await using var agent = await ReviewedEchoGateway.AgentAsync(gateway, "erin");
        var id = ReviewId(await EchoAsync(agent, "k-dev-oid"));

        var self = await admin.SendAsync(HttpMethod.Post, "/admin/api/reviews/" + id, await admin.TokenAsync("portcullis:review", "erin"), Decision("approve"));
        var other = await admin.SendAsync(HttpMethod.Post, "/admin/api/reviews/" + id, await admin.TokenAsync("portcullis:review", "frank"), Decision("deny"));

        Assert.Equal(403, self.Status);
        Assert.Equal(200, other.Status);
        Assert.Equal("erin", other.Body!["principal"]!.GetValue<string>());
        Assert.Equal("frank", other.Body["decision"]!["decided_by"]!.GetValue<string>());
    }

    private static Task<CallToolResult> EchoAsync(McpClient agent, string key) =>
        agent.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "hello", ["idempotency_key"] = key }).AsTask().WaitAsync(Timeout);

    private static string ReviewId(CallToolResult result) =>
        Witness.Error(result)["details"]!.AsArray().Single(d => d!["keyword"]!.GetValue<string>() == "review_id")!["message"]!.GetValue<string>();

    private static JsonObject Decision(string decision) => new() { ["decision"] = decision };
}
