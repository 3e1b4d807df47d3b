using Portcullis.Core.Idempotency;

namespace Portcullis.Stores.Contract;

/// <summary>What operators rely on: reading one key, listing by state, and settling an outcome-unknown key.</summary>
public abstract partial class IdempotencyStoreContract
{
    private const string Confirmation = """{"content":[{"type":"text","text":"confirmed by an operator"}]}""";

    protected Task<IdempotencyRecord?> Get(IdempotencyScope scope) =>
        Store.GetAsync(scope, Time.GetUtcNow(), Retention, CancellationToken.None).AsTask().WaitAsync(Timeout);

    protected Task<IdempotencyRecordPage> List(
        IdempotencyState? state = null, int limit = 100, string? cursor = null, string? key = null, string? subject = null, string? clientId = null) =>
        Store.ListAsync(new IdempotencyListRequest(Time.GetUtcNow(), Retention)
        {
            State = state, Limit = limit, Cursor = cursor, Key = key, Subject = subject, ClientId = clientId,
        }, CancellationToken.None).AsTask().WaitAsync(Timeout);

    /// <summary>Settles the key's call as the operator saw it: <paramref name="correlationId"/>, or the call the key holds now.</summary>
    protected async Task<ResolveStatus> Resolve(IdempotencyScope scope, bool executed, string? note = "checked the CRM", string? correlationId = null)
    {
        correlationId ??= (await Get(scope))?.CorrelationId ?? "corr-never-stored";
        return await Store.ResolveAsync(
                new IdempotencyResolveRequest(scope, correlationId, executed, executed ? Confirmation : null, "operator-1", note, Time.GetUtcNow(), Retention), CancellationToken.None)
            .AsTask().WaitAsync(Timeout);
    }

    private async Task<IdempotencyScope> UnknownKey(string key = "k-unknown", string fingerprint = "fp-1")
    {
        var scope = Scope(key);
        var claim = await Claim(scope, fingerprint, correlationId: "corr-" + key);
        Assert.True(await Store.MarkUnknownAsync(scope, claim.Token!, Time.GetUtcNow(), CancellationToken.None));
        return scope;
    }

    [Fact]
    public async Task Get_EachState_JudgedAtTheGivenTime()
    {
        var completed = await Claim(Scope("done"));
        await Store.CompleteAsync(Scope("done"), completed.Token!, "{}", Time.GetUtcNow(), CancellationToken.None);
        await Claim(Scope("running"), correlationId: "corr-running");
        var unknown = await UnknownKey();

        Assert.Equal(IdempotencyState.Completed, (await Get(Scope("done")))!.State);
        var running = await Get(Scope("running"));
        Assert.Equal(IdempotencyState.InProgress, running!.State);
        Assert.Equal("corr-running", running.CorrelationId);
        Assert.Equal("fp-1", running.Fingerprint);
        Assert.Equal(Time.GetUtcNow() + Lease, running.LeaseExpiresAt);
        Assert.Equal(IdempotencyState.OutcomeUnknown, (await Get(unknown))!.State);
        Assert.Null(await Get(Scope("never")));

        Time.Advance(Lease + TimeSpan.FromSeconds(1));
        Assert.Equal(IdempotencyState.OutcomeUnknown, (await Get(Scope("running")))!.State);
        Time.Advance(Retention);
        Assert.Null(await Get(Scope("done")));
    }

    [Fact]
    public async Task List_ByState_FindsExactlyThoseKeysNewestFirst()
    {
        var done = await Claim(Scope("done"));
        await Store.CompleteAsync(Scope("done"), done.Token!, "{}", Time.GetUtcNow(), CancellationToken.None);
        Time.Advance(TimeSpan.FromSeconds(1));
        var first = await UnknownKey("unknown-1");
        Time.Advance(TimeSpan.FromSeconds(1));
        await Claim(Scope("lease-passes"));
        Time.Advance(TimeSpan.FromSeconds(1));
        var second = await UnknownKey("unknown-2");

        Assert.DoesNotContain((await List(IdempotencyState.OutcomeUnknown)).Records, r => r.Scope.Key == "lease-passes");
        Time.Advance(Lease);
        var unknown = await List(IdempotencyState.OutcomeUnknown);

        Assert.Equal(["unknown-2", "lease-passes", "unknown-1"], unknown.Records.Select(r => r.Scope.Key));
        Assert.All(unknown.Records, r => Assert.Equal(IdempotencyState.OutcomeUnknown, r.State));
        Assert.Equal(["done"], (await List(IdempotencyState.Completed)).Records.Select(r => r.Scope.Key));
        Assert.Empty((await List(IdempotencyState.InProgress)).Records);
        Assert.Equal(4, (await List()).Records.Count);
        Assert.Equal(second, (await List(key: "unknown-2")).Records.Single().Scope);
        Assert.Equal(first, (await List(key: "unknown-1", subject: "alice")).Records.Single().Scope);
        Assert.Empty((await List(key: "unknown-1", subject: "bob")).Records);
    }

    [Fact]
    public async Task List_BySubject_MatchesWhateverTheClientIdAndClientIdNarrows()
    {
        // A stored principal is the subject, U+001F and the client id when the token had one.
        string[] principals = ["alice", "alice\u001fportal", "alice\u001fcli", "bob\u001fportal", "alice-2\u001fportal", "ali\u001fce", "a%\u001fportal"];
        foreach (var (principal, i) in principals.Select((p, i) => (p, i)))
        {
            await Claim(Scope("k-" + i, principal));
            Time.Advance(TimeSpan.FromSeconds(1));
        }

        string[] Principals(IdempotencyRecordPage page) => [.. page.Records.Select(r => r.Scope.Principal).Order(StringComparer.Ordinal)];

        Assert.Equal(["alice", "alice\u001fcli", "alice\u001fportal"], Principals(await List(subject: "alice")));
        Assert.Equal(["alice\u001fportal"], Principals(await List(subject: "alice", clientId: "portal")));
        Assert.Equal(["a%\u001fportal", "alice\u001fportal", "alice-2\u001fportal", "bob\u001fportal"], Principals(await List(clientId: "portal")));
        Assert.Equal(["ali\u001fce"], Principals(await List(subject: "ali")));
        Assert.Equal(["a%\u001fportal"], Principals(await List(subject: "a%")));
        Assert.Empty((await List(subject: "a")).Records);
        Assert.Empty((await List(subject: "alice", clientId: "ce")).Records);
        Assert.Empty((await List(subject: "alice\u001fportal")).Records);
    }

    [Fact]
    public async Task List_Paged_VisitsEveryRecordOnce()
    {
        for (var i = 0; i < 7; i++)
        {
            await UnknownKey($"page-{i}");
            if (i % 2 == 0)
            {
                Time.Advance(TimeSpan.FromMilliseconds(10));
            }
        }

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await List(IdempotencyState.OutcomeUnknown, limit: 3, cursor: cursor);
            seen.AddRange(page.Records.Select(r => r.Scope.Key));
            cursor = page.Next;
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"page-{i}").Order(), seen.Order());
    }

    /// <summary>
    /// A record whose creation time the store cannot read (damaged by hand or by another program), at every place on a
    /// page: before, SQLite and PostgreSQL took the next page's cursor from the time the record showed (the placeholder
    /// 1970) instead of the one stored, so when the damaged record ended a page, the next page began after 1970 and every
    /// record after it was skipped. Each is now listed exactly once, whatever the page size.
    /// </summary>
    [Theory]
    [InlineData(null)]
    [InlineData(IdempotencyState.OutcomeUnknown)]
    public async Task List_Paged_RecordWhoseCreationCannotBeRead_EveryRecordListedOnce(IdempotencyState? state)
    {
        var keys = await UnknownKeysAsync(4);

        await DamageCreationAsync(Scope(keys[1]));

        await AssertPagesListEachOnceAsync(keys, keys[1], state);
    }

    /// <summary>Outcome-unknown keys <c>page-0</c>, <c>page-1</c>, …, each created 10 ms after the one before.</summary>
    protected async Task<IReadOnlyList<string>> UnknownKeysAsync(int count)
    {
        var keys = Enumerable.Range(0, count).Select(i => $"page-{i}").ToList();
        foreach (var key in keys)
        {
            await UnknownKey(key);
            Time.Advance(TimeSpan.FromMilliseconds(10));
        }

        return keys;
    }

    /// <summary>Pages through the list at every page size up to the number of keys: each key is listed once, <paramref name="damaged"/> as unreadable.</summary>
    protected async Task AssertPagesListEachOnceAsync(IReadOnlyList<string> keys, string damaged, IdempotencyState? state)
    {
        for (var limit = 1; limit <= keys.Count; limit++)
        {
            var seen = new List<string>();
            string? cursor = null;
            var pages = 0;
            do
            {
                var page = await List(state, limit: limit, cursor: cursor);
                seen.AddRange(page.Records.Select(r => r.Scope.Key));
                Assert.All(page.Records, r => Assert.Equal(r.Scope.Key == damaged, r.Unreadable is not null));
                cursor = page.Next;
                pages++;
            }
            while (cursor is not null && pages < 10);

            Assert.True(keys.Order(StringComparer.Ordinal).SequenceEqual(seen.Order(StringComparer.Ordinal)), $"limit {limit}: listed {string.Join(", ", seen)}");
        }
    }

    /// <summary>
    /// A completed record that lost its result (by hand or by another program) can be neither replayed nor run again:
    /// its retries are answered outcome-unknown. Before, SQLite and PostgreSQL listed it <c>completed</c>, nothing named
    /// unreadable, and under <c>?state=completed</c>. It is now listed as its claim answers it, with its result named.
    /// </summary>
    [Fact]
    public async Task ListAndGet_CompletedRecordThatLostItsResult_IsListedAsItsClaimAnswersIt()
    {
        var first = await Claim(Scope());
        Assert.True(await Store.CompleteAsync(Scope(), first.Token!, "{}", Time.GetUtcNow(), Deadline));
        await LoseResultAsync(Scope());

        var listed = Assert.Single((await List()).Records);
        var got = (await Get(Scope()))!;
        var again = await Claim(Scope(), correlationId: "corr-again");

        Assert.Equal(ClaimStatus.OutcomeUnknown, again.Status);
        Assert.Equal((IdempotencyState.OutcomeUnknown, "result"), (listed.State, string.Join(",", listed.Unreadable?.Fields ?? [])));
        Assert.Equal((IdempotencyState.OutcomeUnknown, "result"), (got.State, string.Join(",", got.Unreadable?.Fields ?? [])));
        Assert.Empty((await List(IdempotencyState.Completed)).Records);
        Assert.Single((await List(IdempotencyState.OutcomeUnknown)).Records);
    }

    /// <summary>Deletes the stored result of <paramref name="scope"/>'s completed record, as a hand or another program could.</summary>
    protected abstract Task LoseResultAsync(IdempotencyScope scope);

    /// <summary>Makes the stored creation time of <paramref name="scope"/>'s record one the store cannot read, as a hand or another program could.</summary>
    protected abstract Task DamageCreationAsync(IdempotencyScope scope);

    [Theory]
    [InlineData("not base64!")]
    [InlineData("WyIxIiwgbnVsbCwgbnVsbCwgbnVsbCwgbnVsbCwgbnVsbF0=")] // ["1", null, null, null, null, null]
    [InlineData("WyIxIiwiYSIsImIiXQ==")] // ["1","a","b"]
    [InlineData("WyItMSIsImUiLCJjIiwicCIsInQiLCJrIl0=")] // ["-1","e","c","p","t","k"]
    [InlineData("W10=")] // []
    [InlineData("bnVsbA==")] // null
    [InlineData("")]
    public async Task List_ACursorThisStoreDidNotGiveOut_IsAnArgumentError(string cursor)
    {
        await UnknownKey();

        await Assert.ThrowsAsync<ArgumentException>(() => List(IdempotencyState.OutcomeUnknown, cursor: cursor));
    }

    [Fact]
    public async Task Resolve_NotExecuted_ReleasesTheKeySoTheNextClaimRuns()
    {
        var scope = await UnknownKey();

        Assert.Equal(ResolveStatus.Resolved, await Resolve(scope, executed: false));

        Assert.Null(await Get(scope));
        Assert.Equal(ClaimStatus.Claimed, (await Claim(scope, "fp-1")).Status);
    }

    [Fact]
    public async Task Resolve_Executed_LaterClaimsReplayTheConfirmationAndOtherArgumentsAreReused()
    {
        var scope = await UnknownKey();

        Assert.Equal(ResolveStatus.Resolved, await Resolve(scope, executed: true, note: "the note was in the CRM"));

        var repeat = await Claim(scope, "fp-1");
        Assert.Equal(ClaimStatus.Completed, repeat.Status);
        Assert.Equal(Confirmation, repeat.ResultJson);
        Assert.Equal("corr-k-unknown", repeat.OriginalCorrelationId);
        Assert.Equal(ClaimStatus.Reused, (await Claim(scope, "fp-2")).Status);
        var record = await Get(scope);
        Assert.Equal(IdempotencyState.Completed, record!.State);
        Assert.Equal(new IdempotencyResolution(true, "operator-1", Time.GetUtcNow(), "the note was in the CRM"), record.Resolution);
    }

    /// <summary>
    /// Before, a result stored late (the store was down when the call completed, and the gateway stored it once the store
    /// was back) replaced what an operator had settled the key with meanwhile: the token still matched.
    /// </summary>
    [Fact]
    public async Task Complete_AfterAnOperatorSettledTheKey_ChangesNothing()
    {
        var token = (await Claim(Scope())).Token!;
        Time.Advance(Lease + TimeSpan.FromSeconds(1));
        Assert.Equal(ResolveStatus.Resolved, await Resolve(Scope(), executed: true));

        Assert.False(await Store.CompleteAsync(Scope(), token, """{"content":[{"type":"text","text":"late"}]}""", Time.GetUtcNow(), CancellationToken.None));
        Assert.False(await Store.MarkUnknownAsync(Scope(), token, Time.GetUtcNow(), CancellationToken.None));

        var repeat = await Claim(Scope());
        Assert.Equal(ClaimStatus.Completed, repeat.Status);
        Assert.Equal(Confirmation, repeat.ResultJson);
    }

    [Fact]
    public async Task Resolve_LeaseExpiredClaim_IsOutcomeUnknownAndCanBeSettled()
    {
        await Claim(Scope());
        Time.Advance(Lease + TimeSpan.FromSeconds(1));

        Assert.Equal(ResolveStatus.Resolved, await Resolve(Scope(), executed: false));
        Assert.Equal(ClaimStatus.Claimed, (await Claim(Scope())).Status);
    }

    [Fact]
    public async Task Resolve_KeyThatIsNotOutcomeUnknown_ChangesNothing()
    {
        var running = await Claim(Scope("running"));
        var done = await Claim(Scope("done"));
        await Store.CompleteAsync(Scope("done"), done.Token!, "{\"kept\":true}", Time.GetUtcNow(), CancellationToken.None);

        Assert.Equal(ResolveStatus.NotOutcomeUnknown, await Resolve(Scope("running"), executed: false));
        Assert.Equal(ResolveStatus.NotOutcomeUnknown, await Resolve(Scope("done"), executed: true));
        Assert.Equal(ResolveStatus.NotFound, await Resolve(Scope("never"), executed: true));

        Assert.True(await Store.CompleteAsync(Scope("running"), running.Token!, "{}", Time.GetUtcNow(), CancellationToken.None));
        Assert.Equal("{\"kept\":true}", (await Claim(Scope("done"))).ResultJson);
    }

    /// <summary>
    /// An operator checks call A of an outcome-unknown key; meanwhile another operator released the key and a retry, call
    /// B, took it and became outcome-unknown too. Before, the first operator's "it did not take effect" for A deleted
    /// B's key, and B's retry ran again. Now the settlement names its call, and the store settles only that one.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Resolve_AnotherCallHoldsTheKeyNow_ChangesNothing(bool executed)
    {
        var scope = await UnknownKey();
        Assert.Equal(ResolveStatus.Resolved, await Resolve(scope, executed: false, correlationId: "corr-k-unknown"));
        var retry = await Claim(scope, "fp-1", correlationId: "corr-retry");
        Assert.True(await Store.MarkUnknownAsync(scope, retry.Token!, Time.GetUtcNow(), CancellationToken.None));

        Assert.Equal(ResolveStatus.OtherCall, await Resolve(scope, executed, correlationId: "corr-k-unknown"));

        var held = await Get(scope);
        Assert.Equal(("corr-retry", IdempotencyState.OutcomeUnknown, (IdempotencyResolution?)null), (held!.CorrelationId, held.State, held.Resolution));
        Assert.Equal(ResolveStatus.Resolved, await Resolve(scope, executed, correlationId: "corr-retry"));
    }

    [Fact]
    public async Task Resolve_AfterRetention_NotFound()
    {
        var scope = await UnknownKey();
        Time.Advance(Retention + TimeSpan.FromSeconds(1));

        Assert.Equal(ResolveStatus.NotFound, await Resolve(scope, executed: true));
    }
}
