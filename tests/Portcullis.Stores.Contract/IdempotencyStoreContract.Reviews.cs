using Portcullis.Core.Idempotency;
using Portcullis.Core.Review;

namespace Portcullis.Stores.Contract;

/// <summary>Reviews: the held record is the review, and its state moves once, atomically.</summary>
public abstract partial class IdempotencyStoreContract
{
    protected static readonly TimeSpan ReviewWindow = TimeSpan.FromHours(1);

    protected Task<ClaimResult> ClaimReviewed(
        IdempotencyScope scope, string fingerprint = "fp-1", string correlationId = "corr-1", int approvals = 1, string? id = null, string definition = "def-1",
        string mode = "reviewer", int maxPending = 1000) =>
        Store.TryClaimAsync(new IdempotencyClaimRequest(scope, fingerprint, correlationId, Time.GetUtcNow(), Lease, Retention)
        {
            Review = new ReviewHold(id ?? ReviewIds.New(), mode, """{"id":"c-1"}""", approvals, Time.GetUtcNow() + ReviewWindow, definition, maxPending),
        }, Deadline).AsTask().WaitAsync(Timeout);

    protected Task<ReviewDecisionResult> Decide(string id, string reviewer, bool approve, string? reason = null, string? mode = null) =>
        Store.DecideReviewAsync(new ReviewDecisionRequest(id, reviewer, approve, reason, Time.GetUtcNow(), Retention) { Mode = mode }, Deadline).AsTask().WaitAsync(Timeout);

    protected Task<ReviewRecord?> HandOver(string id, int approvals) =>
        Store.HandOverReviewAsync(new ReviewHandOverRequest(id, approvals, Time.GetUtcNow(), Retention), Deadline).AsTask().WaitAsync(Timeout);

    /// <summary>
    /// Holds four calls (k-0 to k-3, a second apart), lets <paramref name="damage"/> make the review of k-0 (the first of
    /// the reviewers' list, oldest first) and of k-3 (the first of the keys', newest first) unreadable, and pages one a
    /// page: the reviewers' list and the list of keys under a state leave such a record out, and a page they filled short
    /// still gives the cursor after its last record read, so no sound review or key after it is lost (each listed once).
    /// </summary>
    protected async Task AssertPagingPastHeldRecordsWhoseReviewCannotBeReadLosesNothing(Func<Task> damage)
    {
        foreach (var key in new[] { "k-0", "k-1", "k-2", "k-3" })
        {
            Assert.Equal(ClaimStatus.AwaitingReview, (await ClaimReviewed(Scope(key))).Status);
            Time.Advance(TimeSpan.FromSeconds(1));
        }

        await damage();

        var reviewed = new List<string>();
        string? next = null;
        for (var page = 0; page < 10 && (page == 0 || next is not null); page++)
        {
            var reviews = await Store.ListReviewsAsync(new ReviewListRequest(Time.GetUtcNow(), Retention) { Limit = 1, Cursor = next }, Deadline).AsTask().WaitAsync(Timeout);
            reviewed.AddRange(reviews.Reviews.Select(r => r.Scope.Key));
            next = reviews.Next;
        }

        async Task<List<string>> Keys(IdempotencyState state)
        {
            var keys = new List<string>();
            string? cursor = null;
            for (var page = 0; page < 10 && (page == 0 || cursor is not null); page++)
            {
                var records = await List(state, limit: 1, cursor: cursor);
                keys.AddRange(records.Records.Select(r => r.Scope.Key));
                cursor = records.Next;
            }

            return keys;
        }

        Assert.Equal(["k-1", "k-2"], reviewed);
        Assert.Equal(["k-2", "k-1"], await Keys(IdempotencyState.AwaitingReview));
        Assert.Equal(["k-3", "k-0"], await Keys(IdempotencyState.OutcomeUnknown));
    }

    /// <summary>
    /// Holds a call for review, lets <paramref name="damage"/> make its review unreadable as a hand or another program
    /// could, and checks the record is judged alike everywhere: its retry answers outcome-unknown, the list of keys and
    /// the read of the key show it <c>outcome_unknown</c> with <paramref name="named"/> unreadable (and not under
    /// <c>awaiting_review</c>), and the reviewers' reads go on without it.
    /// </summary>
    protected async Task AssertHeldRecordWhoseReviewCannotBeReadIsJudgedAsItsClaimAnswersIt(Func<Task> damage, string named)
    {
        var held = await ClaimReviewed(Scope());
        Assert.Equal(ClaimStatus.AwaitingReview, held.Status);
        await damage();

        var listed = Assert.Single((await List()).Records);
        var got = (await Get(Scope()))!;
        var reviews = await Store.ListReviewsAsync(new ReviewListRequest(Time.GetUtcNow(), Retention) { Limit = 100 }, Deadline).AsTask().WaitAsync(Timeout);
        var review = await Store.GetReviewAsync(held.Review!.Id, Time.GetUtcNow(), Retention, Deadline).AsTask().WaitAsync(Timeout);
        var again = await ClaimReviewed(Scope(), correlationId: "corr-again");

        Assert.Equal((ClaimStatus.OutcomeUnknown, "corr-1"), (again.Status, again.OriginalCorrelationId));
        Assert.Equal((IdempotencyState.OutcomeUnknown, true), (listed.State, listed.Unreadable?.Names(named) == true));
        Assert.Equal((IdempotencyState.OutcomeUnknown, true), (got.State, got.Unreadable?.Names(named) == true));
        Assert.Empty((await List(IdempotencyState.AwaitingReview)).Records);
        Assert.Single((await List(IdempotencyState.OutcomeUnknown)).Records);
        Assert.Empty(reviews.Reviews);
        Assert.Null(review);
    }

    /// <summary>
    /// Holds two calls at a limit of two pending reviews, lets <paramref name="damage"/> make the review of k-0 unreadable
    /// as a hand or another program could, and checks its place is free: its retry answers outcome-unknown and the
    /// reviewers' list leaves it out, so no reviewer could ever free that place before its deadline. The limit counts
    /// exactly the reviews the reviewers' list shows pending: a third call is held, and a fourth is refused.
    /// </summary>
    protected async Task AssertPendingLimitLeavesOutHeldRecordsWhoseReviewCannotBeRead(Func<IdempotencyScope, Task> damage)
    {
        Assert.Equal(ClaimStatus.AwaitingReview, (await ClaimReviewed(Scope("k-0"), maxPending: 2)).Status);
        Assert.Equal(ClaimStatus.AwaitingReview, (await ClaimReviewed(Scope("k-1"), maxPending: 2)).Status);
        Assert.Equal(ClaimStatus.ReviewLimitReached, (await ClaimReviewed(Scope("k-2"), maxPending: 2)).Status);
        await damage(Scope("k-0"));

        var damaged = await ClaimReviewed(Scope("k-0"), correlationId: "corr-again", maxPending: 2);
        var third = await ClaimReviewed(Scope("k-2"), maxPending: 2);
        var fourth = await ClaimReviewed(Scope("k-3"), maxPending: 2);
        var pending = await Store.ListReviewsAsync(new ReviewListRequest(Time.GetUtcNow(), Retention) { State = ReviewState.Pending, Limit = 100 }, Deadline)
            .AsTask().WaitAsync(Timeout);

        Assert.Equal(ClaimStatus.OutcomeUnknown, damaged.Status);
        Assert.Equal(ClaimStatus.AwaitingReview, third.Status);
        Assert.Equal(ClaimStatus.ReviewLimitReached, fourth.Status);
        Assert.Equal(["k-1", "k-2"], pending.Reviews.Select(r => r.Scope.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Review_PendingLimitReached_TheNextHoldIsRefusedAndStoresNothing_HeldKeysStillAnswer()
    {
        var first = await ClaimReviewed(Scope("k-1"), maxPending: 2);
        var second = await ClaimReviewed(Scope("k-2"), mode: "caller", maxPending: 2);
        var third = await ClaimReviewed(Scope("k-3"), maxPending: 2);
        var retry = await ClaimReviewed(Scope("k-1"), maxPending: 2);
        var otherPrincipal = await ClaimReviewed(Scope("k-3", principal: "bob"), maxPending: 2);
        var otherEnvironment = await ClaimReviewed(Scope("k-3", environment: "staging"), maxPending: 2);
        var plainWrite = await Claim(Scope("k-4"));

        Assert.Equal(ClaimStatus.AwaitingReview, first.Status);
        Assert.Equal(ClaimStatus.AwaitingReview, second.Status);
        Assert.Equal(ClaimStatus.ReviewLimitReached, third.Status);
        Assert.Null(third.Review);
        Assert.Null(await Store.GetAsync(Scope("k-3"), Time.GetUtcNow(), Retention, Deadline));
        Assert.Equal(ClaimStatus.AwaitingReview, retry.Status);
        Assert.Equal(first.Review!.Id, retry.Review!.Id);
        Assert.Equal(ClaimStatus.AwaitingReview, otherPrincipal.Status);
        Assert.Equal(ClaimStatus.AwaitingReview, otherEnvironment.Status);
        Assert.Equal(ClaimStatus.Claimed, plainWrite.Status);
        var listed = await Store.ListReviewsAsync(new ReviewListRequest(Time.GetUtcNow(), Retention) { Environment = "prod", Limit = 100 }, Deadline);
        Assert.Equal(2, listed.Reviews.Count(r => r.Scope.Principal == "alice"));
    }

    [Fact]
    public async Task Review_PendingLimit_AReviewDecidedOrExpiredFreesItsPlace()
    {
        var held = (await ClaimReviewed(Scope("k-1"), maxPending: 1)).Review!;
        var refused = await ClaimReviewed(Scope("k-2"), maxPending: 1);
        await Decide(held.Id, "bob", approve: true);
        var afterApproval = await ClaimReviewed(Scope("k-2"), maxPending: 1);
        var refusedAgain = await ClaimReviewed(Scope("k-3"), maxPending: 1);
        Time.Advance(ReviewWindow);
        var afterExpiry = await ClaimReviewed(Scope("k-3"), maxPending: 1);

        Assert.Equal(ClaimStatus.ReviewLimitReached, refused.Status);
        Assert.Equal(ClaimStatus.AwaitingReview, afterApproval.Status);
        Assert.Equal(ClaimStatus.ReviewLimitReached, refusedAgain.Status);
        Assert.Equal(ClaimStatus.AwaitingReview, afterExpiry.Status);
    }

    [Fact]
    public async Task Review_PendingLimit_ConcurrentHolds_NeverPassIt()
    {
        var claims = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(() => ClaimReviewed(Scope($"k-{i}"), maxPending: 3)))).WaitAsync(Timeout);

        Assert.Equal(3, claims.Count(c => c.Status == ClaimStatus.AwaitingReview));
        Assert.Equal(9, claims.Count(c => c.Status == ClaimStatus.ReviewLimitReached));
        var pending = await Store.ListReviewsAsync(new ReviewListRequest(Time.GetUtcNow(), Retention) { State = ReviewState.Pending, Limit = 100 }, Deadline);
        Assert.Equal(3, pending.Reviews.Count);
    }

    /// <summary>
    /// First calls of one key racing each other (an agent's retry of a call still on its way) at the principal's last
    /// place: one holds it and the others answer that hold, none is refused for the place its own call took.
    /// </summary>
    [Fact]
    public async Task Review_PendingLimit_OneKeyHeldConcurrentlyAtTheLastPlace_EveryClaimAnswersTheHold()
    {
        for (var round = 0; round < 8; round++)
        {
            var scope = Scope("k-1", principal: $"p-{round}");
            var claims = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => ClaimReviewed(scope, maxPending: 1)))).WaitAsync(Timeout);

            Assert.All(claims, c => Assert.Equal(ClaimStatus.AwaitingReview, c.Status));
            Assert.Single(claims.Select(c => c.Review!.Id).Distinct());
        }
    }

    [Fact]
    public async Task ListReviews_ByPrincipalAndClientId_MatchesTheSubjectUpToItsSeparator()
    {
        string[] principals = ["alice", "alice\u001fportal", "alice\u001fcli", "bob\u001fportal", "alice-2\u001fportal", "ali\u001fce", "a%\u001fportal"];
        for (var i = 0; i < principals.Length; i++)
        {
            await ClaimReviewed(Scope($"k-{i}", principal: principals[i]));
            Time.Advance(TimeSpan.FromMilliseconds(1));
        }

        async Task<string[]> Listed(string? subject, string? clientId) =>
            [.. (await Store.ListReviewsAsync(new ReviewListRequest(Time.GetUtcNow(), Retention) { Subject = subject, ClientId = clientId, Limit = 100 }, Deadline))
                .Reviews.Select(r => r.Scope.Principal).Order(StringComparer.Ordinal)];

        Assert.Equal(["alice", "alice\u001fcli", "alice\u001fportal"], await Listed("alice", null));
        Assert.Equal(["alice\u001fportal"], await Listed("alice", "portal"));
        Assert.Equal(["a%\u001fportal", "alice\u001fportal", "alice-2\u001fportal", "bob\u001fportal"], await Listed(null, "portal"));
        Assert.Equal(["ali\u001fce"], await Listed("ali", null));
        Assert.Equal(["a%\u001fportal"], await Listed("a%", null));
        Assert.Empty(await Listed("a", null));
        Assert.Empty(await Listed("alice\u001fportal", null));
    }

    [Fact]
    public async Task Review_CallerModeHandedOver_ReviewersDecideIt_TheCallerNoMore()
    {
        var held = (await ClaimReviewed(Scope(), mode: "caller")).Review!;

        var handed = await HandOver(held.Id, approvals: 2);
        var again = await HandOver(held.Id, approvals: 2);
        var callerConfirms = await Decide(held.Id, "alice", approve: true, mode: "caller");
        var stored = (await Store.GetReviewAsync(held.Id, Time.GetUtcNow(), Retention, Deadline))!;
        var first = await Decide(held.Id, "bob", approve: true, mode: "reviewer");
        var second = await Decide(held.Id, "carol", approve: true, mode: "reviewer");
        var claim = await ClaimReviewed(Scope(), mode: "caller");

        Assert.NotNull(handed);
        Assert.Equal(held with { Mode = "reviewer", ApprovalsRequired = 2 }, handed with { Approvals = held.Approvals });
        Assert.Null(again);
        Assert.Equal(ReviewDecisionStatus.OtherMode, callerConfirms.Status);
        Assert.Equal("reviewer", stored.Mode);
        Assert.Equal(2, stored.ApprovalsRequired);
        Assert.Equal(held.ExpiresAt, stored.ExpiresAt);
        Assert.Empty(stored.Approvals);
        Assert.Equal(ReviewState.Pending, stored.StateAt(Time.GetUtcNow()));
        Assert.Equal(ReviewDecisionStatus.ApprovalRecorded, first.Status);
        Assert.Equal(ReviewDecisionStatus.Decided, second.Status);
        Assert.Equal(ClaimStatus.Claimed, claim.Status);
    }

    [Fact]
    public async Task Review_HandOver_OnlyAPendingCallerModeReview_ElseNothingChanges()
    {
        var reviewerMode = (await ClaimReviewed(Scope("k-reviewer"))).Review!;
        var decided = (await ClaimReviewed(Scope("k-decided"), mode: "caller")).Review!;
        var expiring = (await ClaimReviewed(Scope("k-expired"), mode: "caller")).Review!;
        Assert.Equal(ReviewDecisionStatus.Decided, (await Decide(decided.Id, "alice", approve: false, "no", mode: "caller")).Status);
        Time.Advance(ReviewWindow);

        Assert.Null(await HandOver(reviewerMode.Id, approvals: 2));
        Assert.Null(await HandOver(decided.Id, approvals: 2));
        Assert.Null(await HandOver(expiring.Id, approvals: 2));
        Assert.Null(await HandOver(ReviewIds.New(), approvals: 2));
        Assert.Equal(1, (await Store.GetReviewAsync(reviewerMode.Id, Time.GetUtcNow(), Retention, Deadline))!.ApprovalsRequired);
        Assert.Equal("caller", (await Store.GetReviewAsync(decided.Id, Time.GetUtcNow(), Retention, Deadline))!.Mode);
        Assert.Equal("caller", (await Store.GetReviewAsync(expiring.Id, Time.GetUtcNow(), Retention, Deadline))!.Mode);
    }

    [Fact]
    public async Task Review_HandOverRacingTheCallersDecision_ExactlyOneWins()
    {
        for (var i = 0; i < 8; i++)
        {
            var held = (await ClaimReviewed(Scope($"k-race-{i}"), mode: "caller")).Review!;

            var handing = Task.Run(() => HandOver(held.Id, approvals: 1));
            var deciding = Task.Run(() => Decide(held.Id, "alice", approve: true, mode: "caller"));
            var (handed, decided) = (await handing.WaitAsync(Timeout), await deciding.WaitAsync(Timeout));

            var stored = (await Store.GetReviewAsync(held.Id, Time.GetUtcNow(), Retention, Deadline))!;
            if (handed is not null)
            {
                Assert.Equal(ReviewDecisionStatus.OtherMode, decided.Status);
                Assert.Equal(("reviewer", ReviewState.Pending), (stored.Mode, stored.StateAt(Time.GetUtcNow())));
            }
            else
            {
                Assert.Equal(ReviewDecisionStatus.Decided, decided.Status);
                Assert.Equal(("caller", ReviewState.Approved), (stored.Mode, stored.StateAt(Time.GetUtcNow())));
            }
        }
    }

    [Fact]
    public async Task Review_FreeKey_HeldPendingWithEverythingBound()
    {
        var held = await ClaimReviewed(Scope(), correlationId: "corr-held");

        Assert.Equal(ClaimStatus.AwaitingReview, held.Status);
        Assert.Null(held.Token);
        var review = held.Review!;
        Assert.True(ReviewIds.IsWellFormed(review.Id));
        Assert.Equal(Scope(), review.Scope);
        Assert.Equal("fp-1", review.Fingerprint);
        Assert.Equal("reviewer", review.Mode);
        Assert.Equal("""{"id":"c-1"}""", review.ArgumentsJson);
        Assert.Equal("corr-held", review.CorrelationId);
        Assert.Equal(Time.GetUtcNow() + ReviewWindow, review.ExpiresAt);
        Assert.Equal(ReviewState.Pending, review.StateAt(Time.GetUtcNow()));
        var stored = (await Store.GetReviewAsync(review.Id, Time.GetUtcNow(), Retention, Deadline))!;
        Assert.Equal(review with { Approvals = [] }, stored with { Approvals = [] });
        Assert.Empty(stored.Approvals);
        var record = (await Store.GetAsync(Scope(), Time.GetUtcNow(), Retention, Deadline))!;
        Assert.Equal(IdempotencyState.AwaitingReview, record.State);
        Assert.Equal(review.Id, record.ReviewId);
        var listed = await Store.ListAsync(new IdempotencyListRequest(Time.GetUtcNow(), Retention) { State = IdempotencyState.AwaitingReview, Key = Scope().Key }, Deadline);
        Assert.Equal(review.Id, Assert.Single(listed.Records).ReviewId);
    }

    [Fact]
    public async Task Review_RetryWhilePending_SameReviewStillPending_NeverOutcomeUnknown()
    {
        var first = await ClaimReviewed(Scope());
        Time.Advance(Lease + TimeSpan.FromMinutes(1));

        var retry = await ClaimReviewed(Scope(), correlationId: "corr-retry");
        var plain = await Claim(Scope());

        Assert.Equal(ClaimStatus.AwaitingReview, retry.Status);
        Assert.Equal(first.Review!.Id, retry.Review!.Id);
        Assert.Equal(ClaimStatus.AwaitingReview, plain.Status);
    }

    [Fact]
    public async Task Review_OtherArguments_Reused()
    {
        await ClaimReviewed(Scope(), "fp-1");

        Assert.Equal(ClaimStatus.Reused, (await ClaimReviewed(Scope(), "fp-2")).Status);
    }

    [Fact]
    public async Task Review_Approved_NextClaimTakesItOnce_ThenInProgress_ThenReplay()
    {
        var id = (await ClaimReviewed(Scope())).Review!.Id;
        var decided = await Decide(id, "bob", approve: true, "looks right");
        Assert.Equal(ReviewDecisionStatus.Decided, decided.Status);
        Assert.Equal(new ReviewDecision(true, "bob", Time.GetUtcNow(), "looks right"), decided.Review!.Decision);

        var take = await ClaimReviewed(Scope(), correlationId: "corr-exec");
        Assert.Equal(ClaimStatus.Claimed, take.Status);
        Assert.Equal(id, take.Review!.Id);
        Assert.Equal(ClaimStatus.InProgress, (await ClaimReviewed(Scope())).Status);

        Assert.True(await Store.CompleteAsync(Scope(), take.Token!, "{\"done\":1}", Time.GetUtcNow(), Deadline));
        var replay = await ClaimReviewed(Scope());
        Assert.Equal(ClaimStatus.Completed, replay.Status);
        Assert.Equal("{\"done\":1}", replay.ResultJson);
        Assert.Equal("corr-exec", replay.OriginalCorrelationId);
        Assert.Equal(ReviewState.Approved, (await Store.GetReviewAsync(id, Time.GetUtcNow(), Retention, Deadline))!.StateAt(Time.GetUtcNow()));
    }

    /// <summary>
    /// Caller mode claims again with the very request that held the review (its id), once the calling user decided:
    /// the review stays findable and listed, approved or denied (on Redis it was taken out of both).
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Review_ClaimedAgainWithTheIdThatHoldsIt_StaysFindableAndListed(bool approve)
    {
        var id = ReviewIds.New();
        Assert.Equal(ClaimStatus.AwaitingReview, (await ClaimReviewed(Scope(), id: id)).Status);
        await Decide(id, "carol", approve);

        var again = await ClaimReviewed(Scope(), id: id);

        Assert.Equal(approve ? ClaimStatus.Claimed : ClaimStatus.ReviewDenied, again.Status);
        Assert.NotNull(await Store.GetReviewAsync(id, Time.GetUtcNow(), Retention, Deadline));
        var listed = await Store.ListReviewsAsync(new ReviewListRequest(Time.GetUtcNow(), Retention) { Limit = 100 }, Deadline);
        Assert.Contains(listed.Reviews, r => r.Id == id);
    }

    /// <summary>A retry that comes with a new review id while the key holds another review leaves no trace of the new id.</summary>
    [Fact]
    public async Task Review_RetryWithANewId_LeavesNoReviewUnderThatId()
    {
        var first = (await ClaimReviewed(Scope())).Review!.Id;
        var other = ReviewIds.New();

        await ClaimReviewed(Scope(), id: other);

        Assert.Null(await Store.GetReviewAsync(other, Time.GetUtcNow(), Retention, Deadline));
        var listed = await Store.ListReviewsAsync(new ReviewListRequest(Time.GetUtcNow(), Retention) { Limit = 100 }, Deadline);
        Assert.DoesNotContain(listed.Reviews, r => r.Id == other);
        Assert.Contains(listed.Reviews, r => r.Id == first);
    }

    [Fact]
    public async Task Review_ConcurrentClaimsAfterApproval_ExactlyOneExecutes()
    {
        var id = (await ClaimReviewed(Scope())).Review!.Id;
        await Decide(id, "bob", approve: true);

        var claims = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() => ClaimReviewed(Scope(), correlationId: $"corr-{i}")))).WaitAsync(Timeout);

        Assert.Single(claims, c => c.Status == ClaimStatus.Claimed);
        Assert.All(claims.Where(c => c.Status != ClaimStatus.Claimed), c => Assert.Equal(ClaimStatus.InProgress, c.Status));
    }

    [Fact]
    public async Task Review_ApprovedClaimReleased_GoesBackApproved_NotFreed()
    {
        var id = (await ClaimReviewed(Scope())).Review!.Id;
        await Decide(id, "bob", approve: true);
        var take = await ClaimReviewed(Scope());

        Assert.True(await Store.ReleaseAsync(Scope(), take.Token!, Deadline));

        Assert.Equal(IdempotencyState.AwaitingReview, (await Store.GetAsync(Scope(), Time.GetUtcNow(), Retention, Deadline))!.State);
        var again = await ClaimReviewed(Scope());
        Assert.Equal(ClaimStatus.Claimed, again.Status);
        Assert.Equal(id, again.Review!.Id);
    }

    [Fact]
    public async Task Review_ApprovedClaimLeaseLapses_OutcomeUnknownLikeAnySentCall()
    {
        var id = (await ClaimReviewed(Scope())).Review!.Id;
        await Decide(id, "bob", approve: true);
        await ClaimReviewed(Scope());
        Time.Advance(Lease + TimeSpan.FromSeconds(1));

        Assert.Equal(ClaimStatus.OutcomeUnknown, (await ClaimReviewed(Scope())).Status);
    }

    [Fact]
    public async Task Review_Denied_AnswersDeniedWithReason_AndNeverClaims()
    {
        var id = (await ClaimReviewed(Scope())).Review!.Id;
        Assert.Equal(ReviewDecisionStatus.Decided, (await Decide(id, "bob", approve: false, "wrong customer")).Status);

        var retry = await ClaimReviewed(Scope());

        Assert.Equal(ClaimStatus.ReviewDenied, retry.Status);
        Assert.Equal("wrong customer", retry.Review!.Decision!.Reason);
        Assert.Equal("bob", retry.Review.Decision.DecidedBy);
        Assert.Equal(ReviewDecisionStatus.AlreadyDecided, (await Decide(id, "carol", approve: true)).Status);
        Assert.Equal(ClaimStatus.ReviewDenied, (await ClaimReviewed(Scope())).Status);
    }

    [Fact]
    public async Task Review_PastDeadline_ExpiredAndUndecidable()
    {
        var id = (await ClaimReviewed(Scope())).Review!.Id;
        Time.Advance(ReviewWindow);

        Assert.Equal(ClaimStatus.ReviewExpired, (await ClaimReviewed(Scope())).Status);
        Assert.Equal(ReviewDecisionStatus.Expired, (await Decide(id, "bob", approve: true)).Status);
        Assert.Equal(ClaimStatus.ReviewExpired, (await ClaimReviewed(Scope())).Status);
    }

    /// <summary>
    /// Replicas stamp their requests with the store's time as each measures it, and a request stamped earlier may reach
    /// the store later (a slower round trip, a clock measured a little behind). Once a retry was told its review expired
    /// (not executed, never with this key), a decision stamped before the deadline that arrives afterwards changes
    /// nothing: else the call the agent was told would never run is approved and runs on its next retry.
    /// </summary>
    [Fact]
    public async Task Review_AnsweredExpired_ADecisionStampedEarlierArrivingLater_ChangesNothing()
    {
        var held = (await ClaimReviewed(Scope())).Review!;
        Time.Advance(ReviewWindow);
        var expired = await ClaimReviewed(Scope(), correlationId: "corr-late");

        var stale = await Store.DecideReviewAsync(
            new ReviewDecisionRequest(held.Id, "bob", Approve: true, null, held.ExpiresAt - TimeSpan.FromMilliseconds(50), Retention), Deadline).AsTask().WaitAsync(Timeout);
        var retry = await ClaimReviewed(Scope(), correlationId: "corr-retry");

        Assert.Equal(ClaimStatus.ReviewExpired, expired.Status);
        Assert.Equal(ReviewDecisionStatus.Expired, stale.Status);
        Assert.Equal(ClaimStatus.ReviewExpired, retry.Status);
        Assert.Null(retry.Review!.Decision);
        Assert.Equal(ReviewState.Expired, (await Store.GetReviewAsync(held.Id, held.ExpiresAt - TimeSpan.FromMilliseconds(50), Retention, Deadline))!.StateAt(held.ExpiresAt - TimeSpan.FromMilliseconds(50)));
    }

    /// <summary>
    /// The same for an approval past its time to execute: once a retry was told it lapsed (not executed), a retry stamped
    /// before <see cref="ReviewRecord.ExecuteBy"/> that reaches the store afterwards does not take it (the agent, told the
    /// call did not run, asks again under a new key: it would run twice).
    /// </summary>
    [Fact]
    public async Task Review_ApprovalAnsweredLapsed_ARetryStampedEarlierArrivingLater_IsNotTaken()
    {
        var held = (await ClaimReviewed(Scope())).Review!;
        var approved = (await Decide(held.Id, "bob", approve: true)).Review!;
        Time.Advance(approved.ExecuteBy!.Value - Time.GetUtcNow());
        var lapsed = await ClaimReviewed(Scope(), correlationId: "corr-late");

        var stale = await Store.TryClaimAsync(new IdempotencyClaimRequest(Scope(), "fp-1", "corr-stale", approved.ExecuteBy.Value - TimeSpan.FromMilliseconds(50), Lease, Retention)
        {
            Review = new ReviewHold(ReviewIds.New(), "reviewer", """{"id":"c-1"}""", 1, Time.GetUtcNow() + ReviewWindow, "def-1", 1000),
        }, Deadline).AsTask().WaitAsync(Timeout);

        Assert.Equal(ClaimStatus.ReviewExpired, lapsed.Status);
        Assert.Equal(ClaimStatus.ReviewExpired, stale.Status);
        Assert.Null(stale.Token);
        Assert.Equal(IdempotencyState.AwaitingReview, (await Store.GetAsync(Scope(), Time.GetUtcNow(), Retention, Deadline))!.State);
    }

    /// <summary>
    /// An approval covers the tool's definition it was given under: after the definition changed (an upstream update, an
    /// operator accepting a new pin) a retry is not executed, and the record stays held, its approval as it was.
    /// </summary>
    [Fact]
    public async Task Review_ApprovedUnderAnotherDefinition_OutdatedAndNeverTaken()
    {
        var held = (await ClaimReviewed(Scope(), definition: "def-1")).Review!;
        Assert.Equal("def-1", held.DefinitionSha256);
        await Decide(held.Id, "bob", approve: true);

        var retry = await ClaimReviewed(Scope(), correlationId: "corr-retry", definition: "def-2");

        Assert.Equal(ClaimStatus.ReviewOutdated, retry.Status);
        Assert.Null(retry.Token);
        Assert.Equal(held.Id, retry.Review!.Id);
        Assert.Equal(ClaimStatus.ReviewOutdated, (await ClaimReviewed(Scope(), definition: "def-2")).Status);
        var record = (await Store.GetAsync(Scope(), Time.GetUtcNow(), Retention, Deadline))!;
        Assert.Equal(IdempotencyState.AwaitingReview, record.State);
        var stored = (await Store.GetReviewAsync(held.Id, Time.GetUtcNow(), Retention, Deadline))!;
        Assert.Equal(ReviewState.Approved, stored.StateAt(Time.GetUtcNow()));
        Assert.Equal("def-1", stored.DefinitionSha256);
    }

    /// <summary>A pending review of another definition is outdated at once: no approval of it could let the call run.</summary>
    [Fact]
    public async Task Review_PendingUnderAnotherDefinition_OutdatedAndStillPending()
    {
        var held = (await ClaimReviewed(Scope(), definition: "def-1")).Review!;

        var retry = await ClaimReviewed(Scope(), definition: "def-2");

        Assert.Equal(ClaimStatus.ReviewOutdated, retry.Status);
        Assert.Equal(held.Id, retry.Review!.Id);
        Assert.Equal(ClaimStatus.AwaitingReview, (await ClaimReviewed(Scope(), definition: "def-1")).Status);
    }

    /// <summary>
    /// An approval may be executed for as long after the decision as the review had to be decided; a retry after that is
    /// answered expired and never executed, however long the record is kept.
    /// </summary>
    [Fact]
    public async Task Review_ApprovalNotExecutedInTime_ExpiredAndNeverTaken()
    {
        var early = (await ClaimReviewed(Scope("k-early"))).Review!;
        var late = (await ClaimReviewed(Scope("k-late"))).Review!;
        Time.Advance(TimeSpan.FromMinutes(10));
        await Decide(early.Id, "bob", approve: true);
        await Decide(late.Id, "bob", approve: true);

        Time.Advance(ReviewWindow - TimeSpan.FromSeconds(1));
        var inTime = await ClaimReviewed(Scope("k-early"));
        Time.Advance(TimeSpan.FromSeconds(1));
        var tooLate = await ClaimReviewed(Scope("k-late"));

        Assert.Equal(ClaimStatus.Claimed, inTime.Status);
        Assert.Equal(ClaimStatus.ReviewExpired, tooLate.Status);
        Assert.Equal(late.Id, tooLate.Review!.Id);
        Assert.Equal(Time.GetUtcNow(), tooLate.Review.ExecuteBy);
        Assert.Equal(ClaimStatus.ReviewExpired, (await Claim(Scope("k-late"))).Status);
        Assert.Equal(IdempotencyState.AwaitingReview, (await Store.GetAsync(Scope("k-late"), Time.GetUtcNow(), Retention, Deadline))!.State);
    }

    [Fact]
    public async Task Review_TwoApprovalsNeeded_DistinctReviewersCount()
    {
        var id = (await ClaimReviewed(Scope(), approvals: 2)).Review!.Id;

        Assert.Equal(ReviewDecisionStatus.ApprovalRecorded, (await Decide(id, "bob", approve: true)).Status);
        Assert.Equal(ReviewDecisionStatus.AlreadyApproved, (await Decide(id, "bob", approve: true)).Status);
        Assert.Equal(ClaimStatus.AwaitingReview, (await ClaimReviewed(Scope())).Status);
        var second = await Decide(id, "carol", approve: true);

        Assert.Equal(ReviewDecisionStatus.Decided, second.Status);
        Assert.Equal(["bob", "carol"], second.Review!.Approvals.Select(a => a.Reviewer));
        Assert.Equal(ClaimStatus.Claimed, (await ClaimReviewed(Scope())).Status);
    }

    [Fact]
    public async Task Review_ConcurrentDecisions_OneWins()
    {
        var id = (await ClaimReviewed(Scope())).Review!.Id;

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => Decide(id, $"r-{i}", approve: i % 2 == 0, $"reason {i}")))).WaitAsync(Timeout);

        var winner = Assert.Single(results, r => r.Status == ReviewDecisionStatus.Decided);
        Assert.All(results.Where(r => r != winner), r => Assert.Equal(ReviewDecisionStatus.AlreadyDecided, r.Status));
        Assert.Equal(winner.Review!.Decision, (await Store.GetReviewAsync(id, Time.GetUtcNow(), Retention, Deadline))!.Decision);
    }

    [Fact]
    public async Task Review_UnknownId_NotFound()
    {
        Assert.Equal(ReviewDecisionStatus.NotFound, (await Decide(ReviewIds.New(), "bob", approve: true)).Status);
        Assert.Null(await Store.GetReviewAsync(ReviewIds.New(), Time.GetUtcNow(), Retention, Deadline));
    }

    [Fact]
    public async Task Review_PastRetention_Absent()
    {
        var id = (await ClaimReviewed(Scope())).Review!.Id;
        Time.Advance(Retention + TimeSpan.FromSeconds(1));

        Assert.Null(await Store.GetReviewAsync(id, Time.GetUtcNow(), Retention, Deadline));
        Assert.Equal(ReviewDecisionStatus.NotFound, (await Decide(id, "bob", approve: true)).Status);
    }

    [Fact]
    public async Task Review_List_ByStateOldestFirst_Paged()
    {
        var a = (await ClaimReviewed(Scope("k-a"))).Review!.Id;
        Time.Advance(TimeSpan.FromSeconds(1));
        var b = (await ClaimReviewed(Scope("k-b", tool: "delete_contact"))).Review!.Id;
        Time.Advance(TimeSpan.FromSeconds(1));
        var c = (await ClaimReviewed(Scope("k-c"))).Review!.Id;
        await Decide(c, "bob", approve: false);
        await Claim(Scope("plain"));

        var first = await Store.ListReviewsAsync(new ReviewListRequest(Time.GetUtcNow(), Retention) { State = ReviewState.Pending, Limit = 1 }, Deadline);
        var second = await Store.ListReviewsAsync(new ReviewListRequest(Time.GetUtcNow(), Retention) { State = ReviewState.Pending, Limit = 1, Cursor = first.Next }, Deadline);
        var denied = await Store.ListReviewsAsync(new ReviewListRequest(Time.GetUtcNow(), Retention) { State = ReviewState.Denied }, Deadline);
        var all = await Store.ListReviewsAsync(new ReviewListRequest(Time.GetUtcNow(), Retention), Deadline);
        Time.Advance(ReviewWindow);
        var expired = await Store.ListReviewsAsync(new ReviewListRequest(Time.GetUtcNow(), Retention) { State = ReviewState.Expired }, Deadline);

        Assert.Equal([a], first.Reviews.Select(r => r.Id));
        Assert.Equal([b], second.Reviews.Select(r => r.Id));
        Assert.Null(second.Next);
        Assert.Equal([c], denied.Reviews.Select(r => r.Id));
        Assert.Equal([a, b, c], all.Reviews.Select(r => r.Id));
        Assert.Equal([a, b], expired.Reviews.Select(r => r.Id));
    }

    /// <summary>
    /// A caller-mode review claimed again once its calling user decided (the very request that held it, so its id) keeps
    /// its place in the reviewers' list: paged through, every review is listed once, oldest first. On Redis that claim
    /// indexed it again at the claim's time, after reviews held later; a page ending with it sent the next back to its
    /// creation, and the listing went round for ever.
    /// </summary>
    [Fact]
    public async Task ListReviews_CallerModeClaimedAgainAfterItsDecision_PagedEachOnceOldestFirst()
    {
        var confirmed = ReviewIds.New();
        await ClaimReviewed(Scope("k-caller"), id: confirmed, mode: "caller");
        Time.Advance(TimeSpan.FromSeconds(1));
        var held = (await ClaimReviewed(Scope("k-held"))).Review!.Id;
        Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(ReviewDecisionStatus.Decided, (await Decide(confirmed, "alice", approve: true, mode: "caller")).Status);
        Assert.Equal(ClaimStatus.Claimed, (await ClaimReviewed(Scope("k-caller"), id: confirmed, mode: "caller")).Status);
        Time.Advance(TimeSpan.FromSeconds(1));
        var later = (await ClaimReviewed(Scope("k-later"))).Review!.Id;

        var listed = await ListReviewsPageByPageAsync();

        Assert.Equal([confirmed, held, later], listed);
    }

    /// <summary>The reviews' ids as a reader paging one review at a time gets them, in at most six pages (a walk that would go on is cut there).</summary>
    protected async Task<List<string>> ListReviewsPageByPageAsync()
    {
        var listed = new List<string>();
        string? cursor = null;
        for (var page = 0; page < 6; page++)
        {
            var next = await Store.ListReviewsAsync(new ReviewListRequest(Time.GetUtcNow(), Retention) { Limit = 1, Cursor = cursor }, Deadline);
            listed.AddRange(next.Reviews.Select(r => r.Id));
            if ((cursor = next.Next) is null)
            {
                break;
            }
        }

        return listed;
    }

    [Fact]
    public async Task Review_List_ByEnvironment_OnlyThatEnvironmentsReviewsAndKeys()
    {
        // One store may serve several environments' gateways: each admin plane lists its own environment's only.
        var prod = (await ClaimReviewed(Scope("k-env"))).Review!.Id;
        var staging = (await ClaimReviewed(Scope("k-env", environment: "staging"))).Review!.Id;

        var reviews = await Store.ListReviewsAsync(new ReviewListRequest(Time.GetUtcNow(), Retention) { Environment = "staging" }, Deadline);
        var records = await Store.ListAsync(new IdempotencyListRequest(Time.GetUtcNow(), Retention) { Environment = "staging", Key = "k-env" }, Deadline);
        var none = await Store.ListReviewsAsync(new ReviewListRequest(Time.GetUtcNow(), Retention) { Environment = "dev" }, Deadline);

        Assert.NotEqual(prod, staging);
        Assert.Equal([staging], reviews.Reviews.Select(r => r.Id));
        Assert.Equal("staging", Assert.Single(records.Records).Scope.Environment);
        Assert.Empty(none.Reviews);
    }
}
