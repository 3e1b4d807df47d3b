using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Idempotency;
using Portcullis.Tests.Infrastructure;
using Portcullis.Tests.Protocol;

namespace Portcullis.Tests.Review;

/// <summary>
/// Human review through a real MCP client and the real sample CRM, whose database is the witness of what was
/// deleted; reviewers decide on the admin plane with their own tokens.
/// </summary>
public sealed partial class ReviewTests(ReviewGateway fixture) : IClassFixture<ReviewGateway>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private GatewayProcess Gateway => fixture.Gateway;

    private AdminPlane Admin => fixture.Admin;

    [Fact]
    public async Task DeleteContact_ReviewRequired_AnswersPendingUntilDecided_ContactStays()
    {
        await using var agent = await AgentAsync("crm", "alice");

        var first = await DeleteAsync(agent, "c-1005", "k-pending");
        var retry = await DeleteAsync(agent, "c-1005", "k-pending");
        var otherArguments = await DeleteAsync(agent, "c-1004", "k-pending");

        Assert.Equal("review_pending", Witness.ErrorCode(first));
        var error = Witness.Error(first);
        Assert.True(error["retryable"]!.GetValue<bool>());
        Assert.InRange(error["retry_after_seconds"]!.GetValue<int>(), 1, 30);
        var id = ReviewId(first);
        Assert.StartsWith("rv-", id);
        Assert.Equal("review_pending", Witness.ErrorCode(retry));
        Assert.Equal(id, ReviewId(retry));
        Assert.Equal("idempotency_key_reused", Witness.ErrorCode(otherArguments));
        Assert.True(fixture.ContactExists("crm", "c-1005"));
        Assert.True(fixture.ContactExists("crm", "c-1004"));

        var reviewer = await Admin.TokenAsync("portcullis:review", "reviewer-carol");
        var pending = await Admin.GetJsonAsync("/admin/api/reviews?state=pending&connector=crm", reviewer);
        var listed = pending["reviews"]!.AsArray().Single(r => r!["id"]!.GetValue<string>() == id)!;
        Assert.Equal("delete_contact", listed["tool"]!.GetValue<string>());
        Assert.Equal("alice", listed["principal"]!.GetValue<string>());
        Assert.Equal("c-1005", listed["arguments"]!["contact_id"]!.GetValue<string>());
        Assert.Null(listed["arguments"]!["idempotency_key"]);
        Assert.Equal("pending", listed["state"]!.GetValue<string>());

        var delivered = await fixture.Webhook.WaitForAsync(b => b["review_id"]?.GetValue<string>() == id, Timeout);
        Assert.Equal("delete_contact", delivered["tool"]!.GetValue<string>());
        Assert.Equal("alice", delivered["principal"]!.GetValue<string>());
        Assert.Null(delivered["arguments"]);
        Assert.DoesNotContain("c-1005", delivered.ToJsonString());
        // Before, "http://127.0.0.1:0/admin/#reviews": admin.listen as configured, port 0, which no reviewer can open.
        Assert.Equal(Admin.BaseUrl + "/admin/#reviews", delivered["console_url"]!.GetValue<string>());
        Assert.True(fixture.Webhook.Failed >= 1);
    }

    [Fact]
    public async Task Approve_SameSubjectRefused_AnotherReviewerApproves_RetryDeletesOnce_LaterRetriesReplay()
    {
        await using var agent = await AgentAsync("crm", "alice");
        var id = ReviewId(await DeleteAsync(agent, "c-1001", "k-approve"));

        var self = await Admin.SendAsync(HttpMethod.Post, "/admin/api/reviews/" + id, await Admin.TokenAsync("portcullis:review", "alice"), Decision("approve"));
        var noScope = await Admin.SendAsync(HttpMethod.Post, "/admin/api/reviews/" + id, await Admin.TokenAsync("portcullis:admin", "bob"), Decision("approve"));
        Assert.Equal(403, self.Status);
        Assert.Equal("forbidden", self.Body!["error"]!["code"]!.GetValue<string>());
        Assert.Equal(403, noScope.Status);
        Assert.Equal("insufficient_scope", noScope.Body!["error"]!["code"]!.GetValue<string>());
        Assert.Equal("review_pending", Witness.ErrorCode(await DeleteAsync(agent, "c-1001", "k-approve")));
        Assert.True(fixture.ContactExists("crm", "c-1001"));

        var approved = await Admin.SendAsync(HttpMethod.Post, "/admin/api/reviews/" + id, await Admin.TokenAsync("portcullis:review", "bob"), Decision("approve", "checked with the account owner"));
        Assert.Equal(200, approved.Status);
        Assert.Equal("approved", approved.Body!["state"]!.GetValue<string>());
        Assert.Equal("bob", approved.Body["decision"]!["decided_by"]!.GetValue<string>());
        Assert.True(fixture.ContactExists("crm", "c-1001"));

        // Several retries at once: one executes, the others wait for it or replay it; none deletes again.
        var retries = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => DeleteAsync(agent, "c-1001", "k-approve")));
        var later = await DeleteAsync(agent, "c-1001", "k-approve");

        var executed = Assert.Single(retries, r => r.IsError != true && r.Meta?["portcullis/replay"] is null);
        Assert.Equal("Deleted contact c-1001.", Text(executed));
        Assert.All(retries.Where(r => r != executed), r => Assert.True(
            Witness.ErrorCode(r) == "idempotency_in_progress" || (r.IsError != true && Text(r) == "Deleted contact c-1001."), JsonSerializer.Serialize(r)));
        Assert.NotEqual(true, later.IsError);
        Assert.Equal("Deleted contact c-1001.", Text(later));
        Assert.True(later.Meta!["portcullis/replay"]!.GetValue<bool>());
        Assert.False(fixture.ContactExists("crm", "c-1001"));

        var admin = await Admin.TokenAsync();
        var audited = await Admin.WaitForEventAsync(admin, "kind=review_decided&connector=crm", e => e["detail"]?.GetValue<string>()?.Contains(id) == true);
        Assert.Equal("approved", audited["decision"]!.GetValue<string>());
        Assert.Equal("bob", audited["actor"]!.GetValue<string>());
        Assert.Equal("alice", audited["principal"]!.GetValue<string>());
        // The call that acted says under whose approval it ran (before, an "allowed" event with no detail).
        var ran = await Admin.WaitForEventAsync(admin, "kind=tool_call&decision=allowed&connector=crm&tool=delete_contact",
            e => e["detail"]?.GetValue<string>()?.Contains(id) == true);
        Assert.Equal($"ran under review {id} (reviewer), approved by bob", ran["detail"]!.GetValue<string>());
        Assert.Equal("alice", ran["principal"]!.GetValue<string>());
        var again = await Admin.SendAsync(HttpMethod.Post, "/admin/api/reviews/" + id, await Admin.TokenAsync("portcullis:review", "carol"), Decision("deny"));
        Assert.Equal(409, again.Status);

        // The refused decision is in the trail as the own-call refusal is (before, a 409 left no trace).
        var correlationId = again.Body!["error"]!["correlation_id"]!.GetValue<string>();
        var refused = await Admin.WaitForEventAsync(admin, "kind=http_refusal&code=conflict", e => e["correlation_id"]?.GetValue<string>() == correlationId);
        Assert.Equal("refused", refused["decision"]!.GetValue<string>());
        Assert.Equal("carol", refused["principal"]!.GetValue<string>());
        Assert.Equal("review", refused["stage"]!.GetValue<string>());
        Assert.Equal("delete_contact", refused["tool"]!.GetValue<string>());
        Assert.Equal($"already decided: review {id}", refused["detail"]!.GetValue<string>());
        await Gateway.WaitForOutputAsync($"Request {correlationId}: admin /admin/api/reviews/{id} refused (already_decided) for carol", Timeout);
    }

    [Fact]
    public async Task Decide_OwnCall_Refused403_AuditedLoggedAndCounted()
    {
        await using var agent = await AgentAsync("crm", "erin");
        var id = ReviewId(await DeleteAsync(agent, "c-1005", "k-own-call"));

        var self = await Admin.SendAsync(HttpMethod.Post, "/admin/api/reviews/" + id, await Admin.TokenAsync("portcullis:review", "erin"), Decision("approve"));

        Assert.Equal(403, self.Status);
        Assert.Equal("forbidden", self.Body!["error"]!["code"]!.GetValue<string>());
        var correlationId = self.Body["error"]!["correlation_id"]!.GetValue<string>();
        var audited = await Admin.WaitForEventAsync(await Admin.TokenAsync(), "kind=http_refusal&code=forbidden",
            e => e["correlation_id"]?.GetValue<string>() == correlationId);
        Assert.Equal("erin", audited["principal"]!.GetValue<string>());
        Assert.Equal("authorize", audited["stage"]!.GetValue<string>());
        Assert.Equal("crm", audited["connector"]!.GetValue<string>());
        Assert.Equal("delete_contact", audited["tool"]!.GetValue<string>());
        Assert.Contains(id, audited["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        await Gateway.WaitForOutputAsync($"Request {correlationId}: admin /admin/api/reviews/{id} refused (own_call) for erin", Timeout);
        Assert.Contains("portcullis_http_refusals_total{otel_scope_name=\"Portcullis\",code=\"forbidden\",stage=\"authorize\"}", await Admin.MetricsAsync(), StringComparison.Ordinal);
        Assert.Equal("review_pending", Witness.ErrorCode(await DeleteAsync(agent, "c-1005", "k-own-call")));
        Assert.True(fixture.ContactExists("crm", "c-1005"));
    }

    [Fact]
    public async Task Deny_RetryAnswersDeniedWithTheReason_NothingHappens()
    {
        await using var agent = await AgentAsync("crm", "alice");
        var id = ReviewId(await DeleteAsync(agent, "c-1002", "k-deny"));

        var denied = await Admin.SendAsync(HttpMethod.Post, "/admin/api/reviews/" + id, await Admin.TokenAsync("portcullis:review", "bob"), Decision("deny", "wrong customer\u202E, see \u001b[2Jticket"));
        var retry = await DeleteAsync(agent, "c-1002", "k-deny");

        Assert.Equal(200, denied.Status);
        Assert.Equal("denied", denied.Body!["state"]!.GetValue<string>());
        Assert.Equal("review_denied", Witness.ErrorCode(retry));
        Assert.False(Witness.Error(retry)["retryable"]!.GetValue<bool>());
        // Before, the reason's bidi override and terminal escape reached the agent (and its user's terminal) as they came.
        Assert.EndsWith("Reason: wrong customer\\u202E, see \\u001B[2Jticket", Witness.Error(retry)["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(id, ReviewId(retry));
        Assert.True(fixture.ContactExists("crm", "c-1002"));
    }

    [Fact]
    public async Task Expired_RetryAnswersExpired_ApprovalTooLateIsRefused_NothingHappens()
    {
        await using var agent = await AgentAsync("crm-brief", "alice");
        var id = ReviewId(await DeleteAsync(agent, "c-1001", "k-expire"));

        CallToolResult retry;
        using (var cts = new CancellationTokenSource(Timeout))
        {
            while (Witness.ErrorCode(retry = await DeleteAsync(agent, "c-1001", "k-expire")) == "review_pending")
            {
                await Task.Delay(200, cts.Token);
            }
        }

        var late = await Admin.SendAsync(HttpMethod.Post, "/admin/api/reviews/" + id, await Admin.TokenAsync("portcullis:review", "bob"), Decision("approve"));
        Assert.Equal("review_expired", Witness.ErrorCode(retry));
        Assert.False(Witness.Error(retry)["retryable"]!.GetValue<bool>());
        Assert.Equal(409, late.Status);
        Assert.Equal("review_expired", Witness.ErrorCode(await DeleteAsync(agent, "c-1001", "k-expire")));
        Assert.True(fixture.ContactExists("crm-brief", "c-1001"));
    }

    [Fact]
    public async Task IdempotencyApi_HeldCall_IsAwaitingReviewWithItsReview_NeverOutcomeUnknown()
    {
        await using var agent = await AgentAsync("crm", "dave");
        var id = ReviewId(await DeleteAsync(agent, "c-1005", "k-held-record"));
        var admin = await Admin.TokenAsync();

        var listed = await Admin.GetJsonAsync("/admin/api/idempotency?principal=dave&key=k-held-record", admin);
        var unknown = await Admin.GetJsonAsync("/admin/api/idempotency?state=outcome_unknown&principal=dave", admin);
        var held = await Admin.GetJsonAsync("/admin/api/idempotency?state=awaiting_review&principal=dave", admin);
        var record = listed["records"]!.AsArray().Single()!;
        var one = await Admin.GetJsonAsync("/admin/api/idempotency/" + record["id"]!.GetValue<string>(), admin);
        var settle = await Admin.SendAsync(HttpMethod.Post, $"/admin/api/idempotency/{record["id"]!.GetValue<string>()}/resolve", admin, new JsonObject { ["executed"] = false });

        Assert.Equal("awaiting_review", record["state"]!.GetValue<string>());
        Assert.Equal(id, record["review_id"]!.GetValue<string>());
        Assert.Equal("awaiting_review", one["state"]!.GetValue<string>());
        Assert.Empty(unknown["records"]!.AsArray());
        Assert.Single(held["records"]!.AsArray());
        Assert.Equal(409, settle.Status);
        Assert.Contains("awaiting_review", settle.Body!["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("review_pending", Witness.ErrorCode(await DeleteAsync(agent, "c-1005", "k-held-record")));
        Assert.True(fixture.ContactExists("crm", "c-1005"));
    }

    [Theory]
    [InlineData(Versions.V2025, "c-1001")]
    [InlineData(Versions.V2026, "c-1002")]
    public async Task CallerMode_UserConfirms_DeletedOnce(string version, string contact)
    {
        var asked = new List<string>();
        await using var agent = await AgentAsync("crm-confirm", "alice", version, Answering(asked, "accept", confirm: true));

        var result = await DeleteAsync(agent, contact, "k-yes-" + version);
        var replay = await DeleteAsync(agent, contact, "k-yes-" + version);

        Assert.True(result.IsError != true, JsonSerializer.Serialize(result));
        Assert.Equal($"Deleted contact {contact}.", Text(result));
        var question = Assert.Single(asked);
        Assert.Contains("delete_contact", question);
        Assert.Contains(contact, question);
        Assert.True(replay.Meta!["portcullis/replay"]!.GetValue<bool>());
        Assert.Single(asked);
        Assert.False(fixture.ContactExists("crm-confirm", contact));
    }

    [Theory]
    [InlineData(Versions.V2025)]
    [InlineData(Versions.V2026)]
    public async Task CallerMode_UserDeclines_DeniedAndNothingHappens(string version)
    {
        var asked = new List<string>();
        await using var agent = await AgentAsync("crm-confirm", "alice", version, Answering(asked, "decline", confirm: null));

        var result = await DeleteAsync(agent, "c-1003", "k-no-" + version);
        var retry = await DeleteAsync(agent, "c-1003", "k-no-" + version);

        Assert.Equal("review_denied", Witness.ErrorCode(result));
        Assert.False(Witness.Error(result)["retryable"]!.GetValue<bool>());
        Assert.Equal("review_denied", Witness.ErrorCode(retry));
        // Before, both read "A reviewer denied this call": the agent told its user someone else refused what they declined.
        Assert.All(new[] { result, retry }, r => Assert.StartsWith("The calling user declined this call when asked to confirm it;",
            Witness.Error(r)["message"]!.GetValue<string>(), StringComparison.Ordinal));
        Assert.Single(asked);
        Assert.True(fixture.ContactExists("crm-confirm", "c-1003"));
    }

    [Theory]
    [InlineData(Versions.V2025)]
    [InlineData(Versions.V2026)]
    public async Task CallerMode_ClientWithoutElicitation_ReviewUnavailable_NothingHappens(string version)
    {
        await using var agent = await AgentAsync("crm-confirm", "alice", version);

        var result = await DeleteAsync(agent, "c-1004", "k-unsupported-" + version);

        Assert.Equal("review_unavailable", Witness.ErrorCode(result));
        Assert.False(Witness.Error(result)["retryable"]!.GetValue<bool>());
        Assert.True(fixture.ContactExists("crm-confirm", "c-1004"));
    }

    [Theory]
    [InlineData(Versions.V2025, "c-1001")]
    [InlineData(Versions.V2026, "c-1002")]
    public async Task CallerMode_UserNotReached_RetriedWithoutElicitation_HandedToReviewers_ApprovedDeletesOnce(string version, string contact)
    {
        var key = "k-fallback-" + version;
        await using (var asking = await AgentAsync("crm-fallback", "alice", Versions.V2025, Unreachable()))
        {
            // The client declared elicitation, but its user could not be asked: held for the calling user, who never answered.
            Assert.Equal("review_unavailable", Witness.ErrorCode(await DeleteAsync(asking, contact, key)));
        }

        await using var agent = await AgentAsync("crm-fallback", "alice", version);
        var retry = await DeleteAsync(agent, contact, key);
        var again = await DeleteAsync(agent, contact, key);

        Assert.Equal("review_pending", Witness.ErrorCode(retry));
        var id = ReviewId(retry);
        Assert.Equal(id, ReviewId(again));
        var reviewer = await Admin.TokenAsync("portcullis:review", "reviewer-carol");
        var review = await Admin.GetJsonAsync("/admin/api/reviews/" + id, reviewer);
        Assert.Equal("reviewer", review["mode"]!.GetValue<string>());
        Assert.Equal("pending", review["state"]!.GetValue<string>());
        var delivered = await fixture.Webhook.WaitForAsync(b => b["review_id"]?.GetValue<string>() == id, Timeout);
        Assert.Equal("delete_contact", delivered["tool"]!.GetValue<string>());
        var audited = await Admin.WaitForEventAsync(await Admin.TokenAsync(), "kind=review_handed_over&connector=crm-fallback",
            e => e["detail"]?.GetValue<string>()?.Contains(id) == true);
        Assert.Equal("alice", audited["principal"]!.GetValue<string>());
        Assert.True(fixture.ContactExists("crm-fallback", contact));

        var approved = await Admin.SendAsync(HttpMethod.Post, "/admin/api/reviews/" + id, reviewer, Decision("approve"));
        var executed = await DeleteAsync(agent, contact, key);
        var replay = await DeleteAsync(agent, contact, key);

        Assert.Equal(200, approved.Status);
        Assert.True(executed.IsError != true, JsonSerializer.Serialize(executed));
        Assert.Equal($"Deleted contact {contact}.", Text(executed));
        Assert.True(replay.Meta!["portcullis/replay"]!.GetValue<bool>());
        Assert.False(fixture.ContactExists("crm-fallback", contact));
    }

    [Theory]
    [InlineData(Versions.V2025)]
    [InlineData(Versions.V2026)]
    public async Task CallerMode_FieldTheTrailRedacts_UserConfirmsItWhole_ReviewersSeeItRedacted(string version)
    {
        var body = "Wire the refund to account 4711 (" + version + ")";
        var key = "k-note-redacted-" + version;
        var asked = new List<string>();
        await using var agent = await AgentAsync("crm-confirm", "alice", version, Answering(asked, "accept", confirm: true));

        var added = await AddNoteAsync(agent, "c-1005", body, key);

        // audit.redact names "body": the user confirms the call that runs, every field whole.
        Assert.True(added.IsError != true, JsonSerializer.Serialize(added));
        var question = Assert.Single(asked);
        Assert.Contains(body, question);
        Assert.DoesNotContain("[redacted]", question);
        Assert.Equal(1, fixture.NoteCount("crm-confirm", body));
        var reviewer = await Admin.TokenAsync("portcullis:review", "reviewer-carol");
        var listed = await Admin.GetJsonAsync("/admin/api/reviews?connector=crm-confirm&tool=add_note", reviewer);
        var held = listed["reviews"]!.AsArray().Single(r => r!["key"]!.GetValue<string>() == key)!;
        Assert.Equal("[redacted]", held["arguments"]!["body"]!.GetValue<string>());
        Assert.Equal("c-1005", held["arguments"]!["contact_id"]!.GetValue<string>());
        Assert.DoesNotContain("4711", listed.ToJsonString());
    }

    [Theory]
    [InlineData(Versions.V2025)]
    [InlineData(Versions.V2026)]
    public async Task CallerMode_RanThenRetriedFromClientWithoutElicitation_AnswersAsTheKeyStands(string version)
    {
        var body = "Call back on Monday (" + version + ")";
        var key = "k-note-ran-" + version;
        await using (var asking = await AgentAsync("crm-confirm", "alice", version, Answering([], "accept", confirm: true)))
        {
            var added = await AddNoteAsync(asking, "c-1005", body, key);
            Assert.True(added.IsError != true, JsonSerializer.Serialize(added));
        }

        // This client cannot ask its user, but the call ran: it is told so by its replay, never "not executed".
        await using var agent = await AgentAsync("crm-confirm", "alice", version);
        var replay = await AddNoteAsync(agent, "c-1005", body, key);
        var otherArguments = await AddNoteAsync(agent, "c-1005", body + " today", key);
        var fresh = await AddNoteAsync(agent, "c-1005", body, key + "-new");

        Assert.True(replay.IsError != true, JsonSerializer.Serialize(replay));
        Assert.True(replay.Meta!["portcullis/replay"]!.GetValue<bool>());
        Assert.Equal("idempotency_key_reused", Witness.ErrorCode(otherArguments));
        Assert.Equal("review_unavailable", Witness.ErrorCode(fresh));
        Assert.Equal(1, fixture.NoteCount("crm-confirm", body));
        Assert.Equal(0, fixture.NoteCount("crm-confirm", body + " today"));
    }

    [Fact]
    public async Task CallerMode_HeldForTheUser_RetryFromClientWithoutElicitation_ReviewUnavailable_StillHeld()
    {
        var body = "Held for alice";
        await using (var asking = await AgentAsync("crm-confirm", "alice", Versions.V2025, Unreachable()))
        {
            Assert.Equal("review_unavailable", Witness.ErrorCode(await AddNoteAsync(asking, "c-1003", body, "k-note-held")));
        }

        await using var agent = await AgentAsync("crm-confirm", "alice", Versions.V2026);
        var retry = await AddNoteAsync(agent, "c-1003", body, "k-note-held");

        Assert.Equal("review_unavailable", Witness.ErrorCode(retry));
        Assert.Contains("not executed", Witness.Error(retry)["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, fixture.NoteCount("crm-confirm", body));
        var asked = new List<string>();
        await using var asking2 = await AgentAsync("crm-confirm", "alice", Versions.V2025, Answering(asked, "accept", confirm: true));
        var confirmed = await AddNoteAsync(asking2, "c-1003", body, "k-note-held");
        Assert.True(confirmed.IsError != true, JsonSerializer.Serialize(confirmed));
        Assert.Single(asked);
        Assert.Equal(1, fixture.NoteCount("crm-confirm", body));
    }

    /// <summary>
    /// Before, a held call whose arguments nested as deep as the gateway takes made every page of the review list that
    /// held it a 500, and the console (which asks for one page of 500) showed no review at all: the list's own members
    /// took the answer past System.Text.Json's default depth of 64.
    /// </summary>
    [Fact]
    public async Task ReviewList_HeldArgumentsNestedAsDeepAsTheGatewayTakes_ListedWhole()
    {
        await using var agent = await AgentAsync("crm", "dora");
        JsonNode deep = "bottom";
        for (var level = 0; level < 61; level++)
        {
            deep = new JsonObject { ["a"] = deep };
        }

        var held = await agent.CallToolAsync("delete_contact", new Dictionary<string, object?>
        {
            ["contact_id"] = "c-1003",
            ["nested"] = deep,
            ["idempotency_key"] = "k-deep",
        }).AsTask().WaitAsync(Timeout);

        Assert.Equal("review_pending", Witness.ErrorCode(held));
        var id = ReviewId(held);
        var reviewer = await Admin.TokenAsync("portcullis:review", "reviewer-deep");
        var (status, page, _) = await Admin.SendAsync(HttpMethod.Get, "/admin/api/reviews?state=pending&connector=crm&limit=500", reviewer).WaitAsync(Timeout);
        Assert.Equal(200, status);
        var listed = page!["reviews"]!.AsArray().Single(r => r!["id"]!.GetValue<string>() == id)!;
        Assert.True(JsonNode.DeepEquals(deep, listed["arguments"]!["nested"]), listed["arguments"]!.ToJsonString());
    }

    private async Task<McpClient> AgentAsync(string connector, string subject, string? version = null, McpClientHandlers? handlers = null) =>
        await McpClients.ConnectAsync(Gateway.Endpoint(connector), await fixture.AgentTokenAsync(connector, subject), version, handlers);

    private static McpClientHandlers Answering(List<string> asked, string action, bool? confirm) => new()
    {
        ElicitationHandler = (request, _) =>
        {
            lock (asked)
            {
                asked.Add(request!.Message);
            }

            return ValueTask.FromResult(new ElicitResult
            {
                Action = action,
                Content = confirm is { } c ? new Dictionary<string, JsonElement> { ["confirm"] = JsonSerializer.SerializeToElement(c) } : null,
            });
        },
    };

    /// <summary>A client that declares elicitation, but cannot reach its user: every question fails.</summary>
    private static McpClientHandlers Unreachable() => new()
    {
        ElicitationHandler = (_, _) => throw new InvalidOperationException("the user is away"),
    };

    private static Task<CallToolResult> DeleteAsync(McpClient agent, string contact, string key) =>
        agent.CallToolAsync("delete_contact", new Dictionary<string, object?> { ["contact_id"] = contact, ["idempotency_key"] = key }).AsTask().WaitAsync(Timeout);

    private static Task<CallToolResult> AddNoteAsync(McpClient agent, string contact, string body, string key) =>
        agent.CallToolAsync("add_note", new Dictionary<string, object?> { ["contact_id"] = contact, ["body"] = body, ["idempotency_key"] = key }).AsTask().WaitAsync(Timeout);

    private static string ReviewId(CallToolResult result)
    {
        var detail = Witness.Error(result)["details"]!.AsArray().Single(d => d!["keyword"]!.GetValue<string>() == "review_id")!;
        return detail["message"]!.GetValue<string>();
    }

    private static JsonObject Decision(string decision, string? reason = null) => new() { ["decision"] = decision, ["reason"] = reason };

    private static string Text(CallToolResult result) => Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
}
