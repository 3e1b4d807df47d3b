using Microsoft.Extensions.Time.Testing;
using Portcullis.Core.Idempotency;

namespace Portcullis.Stores.Contract;

/// <summary>
/// What every <see cref="IIdempotencyStore"/> must do. A store's test project derives one class that supplies
/// <see cref="CreateStore"/>; the clock is a <see cref="FakeTimeProvider"/> the suite controls.
/// </summary>
public abstract partial class IdempotencyStoreContract : IAsyncLifetime
{
    protected static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);
    protected static readonly TimeSpan Retention = TimeSpan.FromHours(24);
    protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>A token that ends every store call that takes longer than the suite allows (a networked store may hang).</summary>
    protected static CancellationToken Deadline => new CancellationTokenSource(Timeout).Token;

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    protected IIdempotencyStore Store { get; private set; } = null!;

    /// <summary>A fresh, empty store for one test.</summary>
    protected abstract Task<IIdempotencyStore> CreateStore();

    public async Task InitializeAsync() => Store = await CreateStore();

    public virtual Task DisposeAsync() => Task.CompletedTask;

    protected static IdempotencyScope Scope(string key = "k-1", string principal = "alice", string tool = "add_note", string connector = "crm", string environment = "prod") =>
        new(environment, connector, principal, tool, key);

    protected Task<ClaimResult> Claim(IdempotencyScope scope, string fingerprint = "fp-1", string correlationId = "corr-1") =>
        Store.TryClaimAsync(new IdempotencyClaimRequest(scope, fingerprint, correlationId, Time.GetUtcNow(), Lease, Retention), Deadline)
            .AsTask().WaitAsync(Timeout);

    [Fact]
    public async Task TryClaim_FreeKey_Claims()
    {
        var result = await Claim(Scope());

        Assert.Equal(ClaimStatus.Claimed, result.Status);
        Assert.False(string.IsNullOrEmpty(result.Token));
    }

    [Fact]
    public async Task TryClaim_CompletedSameFingerprint_ReturnsStoredResultExactly()
    {
        const string stored = """{"content":[{"type":"text","text":"n\u00e9 \"1\""}],"isError":true}""";
        var first = await Claim(Scope(), correlationId: "corr-original");
        Assert.True(await Store.CompleteAsync(Scope(), first.Token!, stored, Time.GetUtcNow(), Deadline));

        var repeat = await Claim(Scope(), correlationId: "corr-repeat");

        Assert.Equal(ClaimStatus.Completed, repeat.Status);
        Assert.Equal(stored, repeat.ResultJson);
        Assert.Equal("corr-original", repeat.OriginalCorrelationId);
    }

    [Fact]
    public async Task TryClaim_OtherFingerprintWhileInProgress_Reused()
    {
        await Claim(Scope(), "fp-1");

        var other = await Claim(Scope(), "fp-2");

        Assert.Equal(ClaimStatus.Reused, other.Status);
    }

    [Fact]
    public async Task TryClaim_OtherFingerprintAfterCompletion_Reused()
    {
        var first = await Claim(Scope(), "fp-1");
        await Store.CompleteAsync(Scope(), first.Token!, "{}", Time.GetUtcNow(), Deadline);

        var other = await Claim(Scope(), "fp-2");

        Assert.Equal(ClaimStatus.Reused, other.Status);
        Assert.Null(other.ResultJson);
    }

    [Fact]
    public async Task TryClaim_WhileInProgress_InProgressUntilLeaseEnds()
    {
        await Claim(Scope());
        Time.Advance(TimeSpan.FromMinutes(1));

        var repeat = await Claim(Scope());

        Assert.Equal(ClaimStatus.InProgress, repeat.Status);
        Assert.Equal(Time.GetUtcNow() + Lease - TimeSpan.FromMinutes(1), repeat.LeaseExpiresAt);
    }

    [Fact]
    public async Task TryClaim_LeaseExpired_OutcomeUnknownNeverClaimed()
    {
        await Claim(Scope(), correlationId: "corr-dead");
        Time.Advance(Lease + TimeSpan.FromSeconds(1));

        var repeat = await Claim(Scope());
        var again = await Claim(Scope());

        Assert.Equal(ClaimStatus.OutcomeUnknown, repeat.Status);
        Assert.Equal("corr-dead", repeat.OriginalCorrelationId);
        Assert.Equal(ClaimStatus.OutcomeUnknown, again.Status);
    }

    [Fact]
    public async Task MarkUnknown_ThenRepeat_OutcomeUnknown()
    {
        var first = await Claim(Scope());

        Assert.True(await Store.MarkUnknownAsync(Scope(), first.Token!, Time.GetUtcNow(), Deadline));
        var repeat = await Claim(Scope());

        Assert.Equal(ClaimStatus.OutcomeUnknown, repeat.Status);
    }

    /// <summary>
    /// A settlement the store applied although its answer was lost (a Redis reply that timed out while the server was
    /// frozen, the command still queued) is tried again in the background: the store takes it as done, so the gateway does
    /// not report the claim lost. Another result, or another token, is not this settlement.
    /// </summary>
    [Fact]
    public async Task Complete_AgainWithTheSameResult_IsTakenAsStored_AnotherResultOrTokenIsNot()
    {
        var token = (await Claim(Scope())).Token!;
        Assert.True(await Store.CompleteAsync(Scope(), token, """{"n":1}""", Time.GetUtcNow(), Deadline));

        Assert.True(await Store.CompleteAsync(Scope(), token, """{"n":1}""", Time.GetUtcNow(), Deadline));
        Assert.False(await Store.CompleteAsync(Scope(), token, """{"n":2}""", Time.GetUtcNow(), Deadline));
        Assert.False(await Store.CompleteAsync(Scope(), "another-token", """{"n":1}""", Time.GetUtcNow(), Deadline));
        Assert.False(await Store.MarkUnknownAsync(Scope(), token, Time.GetUtcNow(), Deadline));

        var repeat = await Claim(Scope(), correlationId: "corr-2");
        Assert.Equal(ClaimStatus.Completed, repeat.Status);
        Assert.Equal("""{"n":1}""", repeat.ResultJson);
    }

    [Fact]
    public async Task MarkUnknown_Again_IsTakenAsMarked_AnotherTokenIsNot()
    {
        var token = (await Claim(Scope())).Token!;
        Assert.True(await Store.MarkUnknownAsync(Scope(), token, Time.GetUtcNow(), Deadline));

        Assert.True(await Store.MarkUnknownAsync(Scope(), token, Time.GetUtcNow(), Deadline));
        Assert.False(await Store.MarkUnknownAsync(Scope(), "another-token", Time.GetUtcNow(), Deadline));
        Assert.False(await Store.CompleteAsync(Scope(), token, """{"n":1}""", Time.GetUtcNow(), Deadline));

        Assert.Equal(ClaimStatus.OutcomeUnknown, (await Claim(Scope(), correlationId: "corr-2")).Status);
    }

    [Fact]
    public async Task Release_ThenRepeat_ClaimsAgain()
    {
        var first = await Claim(Scope(), "fp-1");

        Assert.True(await Store.ReleaseAsync(Scope(), first.Token!, Deadline));
        var repeat = await Claim(Scope(), "fp-2");

        Assert.Equal(ClaimStatus.Claimed, repeat.Status);
        Assert.NotEqual(first.Token, repeat.Token);
    }

    [Fact]
    public async Task Steps_WithAnotherToken_ChangeNothing()
    {
        var first = await Claim(Scope());

        Assert.False(await Store.CompleteAsync(Scope(), "not-the-token", "{}", Time.GetUtcNow(), Deadline));
        Assert.False(await Store.MarkUnknownAsync(Scope(), "not-the-token", Time.GetUtcNow(), Deadline));
        Assert.False(await Store.ReleaseAsync(Scope(), "not-the-token", Deadline));
        Assert.Equal(ClaimStatus.InProgress, (await Claim(Scope())).Status);
        Assert.True(await Store.CompleteAsync(Scope(), first.Token!, "{}", Time.GetUtcNow(), Deadline));
    }

    [Fact]
    public async Task Release_AfterCompletion_KeepsTheOutcome()
    {
        var first = await Claim(Scope());
        await Store.CompleteAsync(Scope(), first.Token!, "{\"done\":true}", Time.GetUtcNow(), Deadline);

        Assert.False(await Store.ReleaseAsync(Scope(), first.Token!, Deadline));
        Assert.False(await Store.MarkUnknownAsync(Scope(), first.Token!, Time.GetUtcNow(), Deadline));

        Assert.Equal(ClaimStatus.Completed, (await Claim(Scope())).Status);
    }

    [Fact]
    public async Task TryClaim_AfterRetention_TreatsTheRecordAsAbsentBeforeAnyPurge()
    {
        var first = await Claim(Scope(), "fp-1");
        await Store.CompleteAsync(Scope(), first.Token!, "{}", Time.GetUtcNow(), Deadline);
        Time.Advance(Retention - TimeSpan.FromSeconds(1));
        Assert.Equal(ClaimStatus.Completed, (await Claim(Scope(), "fp-1")).Status);

        Time.Advance(TimeSpan.FromSeconds(2));
        var later = await Claim(Scope(), "fp-2");

        Assert.Equal(ClaimStatus.Claimed, later.Status);
    }

    [Fact]
    public async Task TryClaim_OutcomeUnknownAfterRetention_ClaimsAgain()
    {
        var first = await Claim(Scope());
        await Store.MarkUnknownAsync(Scope(), first.Token!, Time.GetUtcNow(), Deadline);

        Time.Advance(Retention + TimeSpan.FromSeconds(1));

        Assert.Equal(ClaimStatus.Claimed, (await Claim(Scope())).Status);
    }

    [Fact]
    public async Task Complete_AfterRecordExpiredAndWasReclaimed_IsRefused()
    {
        var first = await Claim(Scope());
        Time.Advance(Retention + TimeSpan.FromSeconds(1));
        var second = await Claim(Scope());

        Assert.False(await Store.CompleteAsync(Scope(), first.Token!, "{\"stale\":true}", Time.GetUtcNow(), Deadline));
        Assert.True(await Store.CompleteAsync(Scope(), second.Token!, "{\"fresh\":true}", Time.GetUtcNow(), Deadline));
        Assert.Equal("{\"fresh\":true}", (await Claim(Scope())).ResultJson);
    }

    [Fact]
    public async Task Purge_RemovesOnlyRecordsCreatedBeforeTheCutOff()
    {
        var old = await Claim(Scope("old"));
        await Store.CompleteAsync(Scope("old"), old.Token!, "{}", Time.GetUtcNow(), Deadline);
        Time.Advance(TimeSpan.FromHours(2));
        var cutOff = Time.GetUtcNow();
        var fresh = await Claim(Scope("fresh"));
        await Store.CompleteAsync(Scope("fresh"), fresh.Token!, "{}", Time.GetUtcNow(), Deadline);

        var purged = await Store.PurgeAsync(cutOff, Deadline);

        Assert.Equal(1, purged);
        Assert.Equal(ClaimStatus.Claimed, (await Claim(Scope("old"))).Status);
        Assert.Equal(ClaimStatus.Completed, (await Claim(Scope("fresh"))).Status);
    }

    public static TheoryData<string> ScopeParts => new() { "environment", "connector", "principal", "tool", "key" };

    [Theory]
    [MemberData(nameof(ScopeParts))]
    public async Task TryClaim_ScopesDifferingInOnePart_DoNotCollide(string part)
    {
        var first = await Claim(Scope(), "fp-1");
        await Store.CompleteAsync(Scope(), first.Token!, "{\"first\":true}", Time.GetUtcNow(), Deadline);
        var other = part switch
        {
            "environment" => Scope(environment: "staging"),
            "connector" => Scope(connector: "billing"),
            "principal" => Scope(principal: "bob"),
            "tool" => Scope(tool: "delete_note"),
            _ => Scope(key: "k-2"),
        };

        var result = await Claim(other, "fp-2");

        Assert.Equal(ClaimStatus.Claimed, result.Status);
        Assert.Equal(ClaimStatus.Completed, (await Claim(Scope(), "fp-1")).Status);
    }

    [Fact]
    public async Task TryClaim_PrincipalsWithSeparatorLikeNames_DoNotCollide()
    {
        // A scope is a tuple, not a joined string: "a|b" + "c" must differ from "a" + "b|c".
        await Claim(new IdempotencyScope("prod", "crm|x", "alice", "add_note", "k"));

        var result = await Claim(new IdempotencyScope("prod", "crm", "x|alice", "add_note", "k"));

        Assert.Equal(ClaimStatus.Claimed, result.Status);
    }

    [Fact]
    public async Task TryClaim_LongestKeyOfTheLongestPrincipal_ClaimsCompletesAndReplays()
    {
        // The longest key the gateway accepts (255 code points, 4 UTF-8 bytes each) of a principal whose subject and
        // client id are as long as a token may carry (255 bytes each), with a long tool and connector name: nothing in
        // the scope compresses, and still one record holds it (PostgreSQL's unique index takes at most 2704 bytes).
        var random = new Random(8785);
        string Ascii(int length) => string.Concat(Enumerable.Range(0, length).Select(_ => (char)('!' + random.Next(94))));
        var key = string.Concat(Enumerable.Range(0, 255).Select(_ => char.ConvertFromUtf32(0x1F300 + random.Next(0x300))));
        var principal = Ascii(255) + "\u001f" + Ascii(255);
        var scope = Scope(key: key, principal: principal, tool: Ascii(128), connector: Ascii(64));

        var first = await Claim(scope);
        Assert.Equal(ClaimStatus.Claimed, first.Status);
        Assert.True(await Store.CompleteAsync(scope, first.Token!, "{}", Time.GetUtcNow(), Deadline));

        var repeat = await Claim(scope);
        Assert.Equal(ClaimStatus.Completed, repeat.Status);
    }

    [Fact]
    public async Task TryClaim_ManyParallelClaimsOfOneKey_ExactlyOneClaimed()
    {
        const int callers = 50;
        using var start = new ManualResetEventSlim(false);
        var tasks = Enumerable.Range(0, callers).Select(i => Task.Run(async () =>
        {
            start.Wait(Timeout);
            return await Claim(Scope("contended"), correlationId: $"corr-{i}");
        })).ToArray();
        start.Set();

        var results = await Task.WhenAll(tasks).WaitAsync(Timeout);

        Assert.Single(results, r => r.Status == ClaimStatus.Claimed);
        Assert.All(results.Where(r => r.Status != ClaimStatus.Claimed), r => Assert.Equal(ClaimStatus.InProgress, r.Status));
    }
}
