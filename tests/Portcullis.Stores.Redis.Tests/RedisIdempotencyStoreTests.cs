using System.Globalization;
using System.Reflection;
using Portcullis.Core.Idempotency;
using Portcullis.Core.Review;
using Portcullis.Core.State;
using Portcullis.Stores.Contract;
using StackExchange.Redis;

namespace Portcullis.Stores.Redis.Tests;

/// <summary>The store contract against a real redis-server, plus what is Redis's own: keys and their hash tags.</summary>
[Collection("redis")]
public sealed class RedisIdempotencyStoreTests(RedisServerFixture fixture) : IdempotencyStoreContract
{
    private readonly string _prefix = "t-" + Guid.NewGuid().ToString("N")[..12];
    private ConnectionMultiplexer? _redis;

    protected override async Task<IIdempotencyStore> CreateStore()
    {
        var server = fixture.Server;
        _redis = await ConnectionMultiplexer.ConnectAsync(RedisConnectionString.Parse(server.ConnectionString));
        return new RedisIdempotencyStore(_redis, new RedisKeys(_prefix), new ReplicaIdentity("gw-a", "0000000000000001", null));
    }

    public override async Task DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    /// <summary>A creation that is not a number (the record is listed by its entry in the creation index).</summary>
    protected override Task DamageCreationAsync(IdempotencyScope scope) =>
        _redis!.GetDatabase().HashSetAsync(new RedisKeys(_prefix).Idempotency(scope), "created", "garbage");

    /// <summary>
    /// Before, a held record whose creation time was gone kept its place under review.max_pending_per_principal until its
    /// deadline (taken for a claim still on its way), and one whose creation time was not a number, or a key of another
    /// type, made every hold of its caller at the limit fail (500 internal), though the reviewers' list leaves each out
    /// and its retries answer outcome-unknown. Such a place is now given back, as a decided review's is.
    /// </summary>
    [Theory]
    [InlineData("created-gone")]
    [InlineData("created-garbage")]
    [InlineData("wrongtype")]
    public Task PendingLimit_HeldRecordWhoseReviewCannotBeRead_TakesNoPlace(string damage) =>
        AssertPendingLimitLeavesOutHeldRecordsWhoseReviewCannotBeRead(async scope =>
        {
            var db = _redis!.GetDatabase();
            var record = new RedisKeys(_prefix).Idempotency(scope);
            switch (damage)
            {
                case "created-gone":
                    Assert.True(await db.HashDeleteAsync(record, "created"));
                    break;
                case "created-garbage":
                    await db.HashSetAsync(record, "created", "garbage");
                    break;
                default:
                    await db.KeyDeleteAsync(record);
                    await db.StringSetAsync(record, "not a record");
                    break;
            }
        });

    protected override async Task LoseResultAsync(IdempotencyScope scope) =>
        Assert.True(await _redis!.GetDatabase().HashDeleteAsync(new RedisKeys(_prefix).Idempotency(scope), "result"));

    [Fact]
    public async Task Claim_WritesOneRecordUnderItsScopesHashTag_AndTheIndexesUnderTheirOwn()
    {
        var claim = await Claim(Scope());
        await Store.CompleteAsync(Scope(), claim.Token!, "{}", Time.GetUtcNow(), CancellationToken.None);

        var server = _redis!.GetServers().Single();
        var keys = server.Keys(pattern: _prefix + ":*").Select(k => (string)k!).ToList();

        var record = Assert.Single(keys, k => k.StartsWith(_prefix + ":idem:", StringComparison.Ordinal));
        Assert.Matches("^t-[0-9a-f]{12}:idem:\\{[0-9a-f]{64}\\}$", record);
        Assert.All(keys, k => Assert.Matches("\\{[^}]+\\}", k));
        Assert.Equal("alice", (string)(await _redis.GetDatabase().HashGetAsync(record, "principal"))!);
        Assert.Equal("gw-a#0000000000000001", (string)(await _redis.GetDatabase().HashGetAsync(record, "owner"))!);
    }

    /// <summary>
    /// A record the store cannot read (a time that is not a number, a completed record without its result, a key holding
    /// another type): before, the claim script failed, answered <c>internal</c>, retryable, though no retry could get past
    /// it. Its outcome cannot be told, so it answers outcome-unknown (not retryable, as PostgreSQL and SQLite answer a
    /// record they cannot read) and is left as it is: never taken, never run again.
    /// </summary>
    [Theory]
    [InlineData("created")]
    [InlineData("lease")]
    [InlineData("result")]
    [InlineData("wrongtype")]
    public async Task Claim_RecordTheStoreCannotRead_AnswersOutcomeUnknown_AndLeavesItAlone(string damage)
    {
        var db = _redis!.GetDatabase();
        var record = new RedisKeys(_prefix).Idempotency(Scope());
        var first = await Claim(Scope());
        if (damage != "lease")
        {
            Assert.True(await Store.CompleteAsync(Scope(), first.Token!, "{}", Time.GetUtcNow(), Deadline));
        }

        switch (damage)
        {
            case "wrongtype":
                await db.KeyDeleteAsync(record);
                await db.StringSetAsync(record, "not a record");
                break;
            case "result":
                await db.HashDeleteAsync(record, "result");
                break;
            default:
                await db.HashSetAsync(record, damage, "garbage");
                break;
        }

        var before = damage == "wrongtype" ? [] : await db.HashGetAllAsync(record);
        var again = await Claim(Scope(), correlationId: "corr-again");

        Assert.Equal(ClaimStatus.OutcomeUnknown, again.Status);
        Assert.Equal(before.OrderBy(e => (string)e.Name!).Select(e => $"{e.Name}={e.Value}"),
            (damage == "wrongtype" ? [] : await db.HashGetAllAsync(record)).OrderBy(e => (string)e.Name!).Select(e => $"{e.Name}={e.Value}"));
    }

    /// <summary>
    /// A record hash that exists but lacks a field the claim judges it by (its fingerprint, its creation time, its state)
    /// or, held for review, the review it holds: before, a hash without its fingerprint was taken for a free key, deleted
    /// and claimed, so the write ran again (and a held record without its review answered <c>internal</c>, retryable).
    /// Now it is answered outcome-unknown, as any record the store cannot read, and left as it is.
    /// </summary>
    [Theory]
    [InlineData("completed", "fp")]
    [InlineData("in_progress", "fp")]
    [InlineData("completed", "created")]
    [InlineData("completed", "state")]
    [InlineData("held", "fp")]
    [InlineData("held", "rv_id")]
    [InlineData("held", "rv_mode")]
    public async Task Claim_RecordWithoutAField_AnswersOutcomeUnknown_AndLeavesItAlone(string record, string missing)
    {
        var db = _redis!.GetDatabase();
        var key = new RedisKeys(_prefix).Idempotency(Scope());
        if (record == "held")
        {
            Assert.Equal(ClaimStatus.AwaitingReview, (await ClaimReviewed(Scope())).Status);
        }
        else
        {
            var first = await Claim(Scope());
            if (record == "completed")
            {
                Assert.True(await Store.CompleteAsync(Scope(), first.Token!, "{}", Time.GetUtcNow(), Deadline));
            }
        }

        Assert.True(await db.HashDeleteAsync(key, missing));
        var before = await db.HashGetAllAsync(key);
        var again = await Claim(Scope(), correlationId: "corr-again");

        Assert.Equal(ClaimStatus.OutcomeUnknown, again.Status);
        Assert.Equal(before.OrderBy(e => (string)e.Name!).Select(e => $"{e.Name}={e.Value}"),
            (await db.HashGetAllAsync(key)).OrderBy(e => (string)e.Name!).Select(e => $"{e.Name}={e.Value}"));
    }

    /// <summary>
    /// The admin reads of records the store cannot read: before, one made the whole list throw (so the admin API
    /// answered 500 for every operator). Now each is listed, and got by its scope, with what could not be read named,
    /// its state judged as the claim judges it; the sound record beside them is listed as it was.
    /// </summary>
    [Theory]
    [InlineData("connector", "connector")]
    [InlineData("environment", "environment")]
    [InlineData("updated", "updated_at")]
    [InlineData("wrongtype", "arguments_sha256")]
    public async Task ListAndGet_RecordTheStoreCannotRead_AreListedWithWhatCouldNotBeRead(string damage, string field)
    {
        var db = _redis!.GetDatabase();
        var damaged = Scope("k-damaged");
        var key = new RedisKeys(_prefix).Idempotency(damaged);
        await Claim(damaged);
        var sound = await Claim(Scope("k-sound"));
        Assert.True(await Store.CompleteAsync(Scope("k-sound"), sound.Token!, "{}", Time.GetUtcNow(), Deadline));
        switch (damage)
        {
            case "wrongtype":
                await db.KeyDeleteAsync(key);
                await db.StringSetAsync(key, "not a record");
                break;
            case "updated":
                await db.HashSetAsync(key, damage, "garbage");
                break;
            default:
                Assert.True(await db.HashDeleteAsync(key, damage));
                break;
        }

        var page = await List();

        Assert.Equal(2, page.Records.Count);
        Assert.Null(Assert.Single(page.Records, r => r.Scope.Key == "k-sound").Unreadable);
        var listed = Assert.Single(page.Records, r => r.Unreadable is not null);
        Assert.Contains(field, listed.Unreadable!.Fields);
        Assert.Equal(key.ToString(), listed.Unreadable.StoreKey);
        // Judged as the claim judges it: a claim in progress that lost a field the claim does not read is still in progress.
        Assert.Equal(damage == "wrongtype" ? IdempotencyState.OutcomeUnknown : IdempotencyState.InProgress, listed.State);
        var got = (await Get(damaged))!;
        Assert.Equal(damaged, got.Scope);
        if (damage is "connector" or "environment")
        {
            // Got by its scope, which the id names: nothing is missing.
            Assert.Null(got.Unreadable);
        }
        else
        {
            Assert.Contains(field, got.Unreadable!.Fields);
            Assert.Equal(key.ToString(), got.Unreadable.StoreKey);
        }
    }

    /// <summary>
    /// A held record whose review the claim cannot read (a field of it gone, or not a number or a list where one is
    /// stored): before, the admin list showed it <c>awaiting_review</c> with nothing unreadable, as if a reviewer could
    /// decide it, while its retries were answered outcome-unknown; the reviewers' list failed on it (500 for every
    /// reviewer); and a hold whose review id was empty was judged as a review none could decide. Each is now listed as its
    /// claim answers it, outcome_unknown with <c>review</c> (or <c>review_id</c>) named, and left out of the reviewers' list.
    /// </summary>
    [Theory]
    [InlineData("rv_mode", null)]
    [InlineData("rv_args", null)]
    [InlineData("rv_corr", null)]
    [InlineData("rv_required", null)]
    [InlineData("rv_required", "two")]
    [InlineData("rv_expires", "garbage")]
    [InlineData("rv_approvals", "not json")]
    [InlineData("rv_approvals", "[[\"bob\"]]")]
    [InlineData("environment", null)]
    [InlineData("rv_id", "")]
    public async Task ListAndGet_HeldRecordWhoseReviewCannotBeRead_IsListedAsItsClaimAnswersIt(string field, string? value)
    {
        var db = _redis!.GetDatabase();
        var key = new RedisKeys(_prefix).Idempotency(Scope());
        var held = await ClaimReviewed(Scope());
        Assert.Equal(ClaimStatus.AwaitingReview, held.Status);
        if (value is null)
        {
            Assert.True(await db.HashDeleteAsync(key, field));
        }
        else
        {
            await db.HashSetAsync(key, field, value);
        }

        var listed = Assert.Single((await List()).Records);
        var got = (await Get(Scope()))!;
        var reviews = await Store.ListReviewsAsync(new ReviewListRequest(Time.GetUtcNow(), Retention) { Limit = 100 }, Deadline);
        var again = await ClaimReviewed(Scope(), correlationId: "corr-again");

        Assert.Equal(ClaimStatus.OutcomeUnknown, again.Status);
        var named = field == "rv_id" ? "review_id" : "review";
        Assert.Equal((IdempotencyState.OutcomeUnknown, true), (listed.State, listed.Unreadable?.Names(named) == true));
        Assert.Equal((IdempotencyState.OutcomeUnknown, true), (got.State, got.Unreadable?.Names(named) == true));
        Assert.Equal(key.ToString(), listed.Unreadable!.StoreKey);
        Assert.Empty((await List(IdempotencyState.AwaitingReview)).Records);
        Assert.Single((await List(IdempotencyState.OutcomeUnknown)).Records);
        Assert.Empty(reviews.Reviews);
    }

    /// <summary>
    /// A held call whose record key, or whose review id's key, another program wrote over with another type: before,
    /// reading the review by its id, deciding it or handing it over threw WRONGTYPE (the admin API answered 500
    /// <c>internal</c>, and the reviewers' list failed for every reviewer). It is now a review no one can find, as SQLite
    /// and PostgreSQL answer a review they cannot read: not found, not handed over, left out of the list, the sound
    /// review beside it listed as it was.
    /// </summary>
    [Theory]
    [InlineData("record", "string")]
    [InlineData("record", "list")]
    [InlineData("review id", "list")]
    [InlineData("review id", "hash")]
    public async Task Reviews_KeyOfAnotherType_IsAReviewNoOneFinds(string which, string type)
    {
        var db = _redis!.GetDatabase();
        var keys = new RedisKeys(_prefix);
        var held = (await ClaimReviewed(Scope(), mode: "caller")).Review!;
        var sound = (await ClaimReviewed(Scope("k-sound"))).Review!;
        await WriteOverAsync(which == "record" ? keys.Idempotency(Scope()) : keys.Review(held.Id), type);

        var got = await Store.GetReviewAsync(held.Id, Time.GetUtcNow(), Retention, Deadline).AsTask().WaitAsync(Timeout);
        var reviews = await Store.ListReviewsAsync(new ReviewListRequest(Time.GetUtcNow(), Retention) { Limit = 100 }, Deadline).AsTask().WaitAsync(Timeout);
        var approved = await Decide(held.Id, "bob", approve: true);
        var confirmed = await Decide(held.Id, "alice", approve: true, mode: "caller");
        var handed = await HandOver(held.Id, 1);

        Assert.Null(got);
        Assert.Equal([sound.Id], reviews.Reviews.Select(r => r.Id));
        Assert.Equal((ReviewDecisionStatus.NotFound, null), (approved.Status, approved.Review));
        Assert.Equal((ReviewDecisionStatus.NotFound, null), (confirmed.Status, confirmed.Review));
        Assert.Null(handed);
        Assert.Equal(ReviewDecisionStatus.Decided, (await Decide(sound.Id, "bob", approve: true)).Status);
    }

    /// <summary>
    /// A claim whose record another program wrote over with another type while its call ran: before, storing its result,
    /// marking it outcome-unknown or releasing it threw WRONGTYPE (a failure of the store, tried again in the background
    /// until given up), and an operator's settlement of it threw too (500 <c>internal</c>). Now the claim holds no record
    /// any more (false, as for a claim lost), the settlement answers that the record cannot be read, and the key is left as it is.
    /// </summary>
    [Theory]
    [InlineData("complete")]
    [InlineData("mark unknown")]
    [InlineData("release")]
    [InlineData("resolve")]
    public async Task Settle_RecordOfAnotherType_IsNotApplied_AndLeavesItAlone(string settlement)
    {
        var db = _redis!.GetDatabase();
        var key = new RedisKeys(_prefix).Idempotency(Scope());
        var claim = await Claim(Scope());
        await WriteOverAsync(key, "string");

        object answer = settlement switch
        {
            "complete" => await Store.CompleteAsync(Scope(), claim.Token!, "{}", Time.GetUtcNow(), Deadline).AsTask().WaitAsync(Timeout),
            "mark unknown" => await Store.MarkUnknownAsync(Scope(), claim.Token!, Time.GetUtcNow(), Deadline).AsTask().WaitAsync(Timeout),
            "release" => await Store.ReleaseAsync(Scope(), claim.Token!, Deadline).AsTask().WaitAsync(Timeout),
            _ => await Resolve(Scope(), executed: false, correlationId: "corr-1"),
        };

        Assert.Equal(settlement == "resolve" ? ResolveStatus.Unreadable : (object)false, answer);
        Assert.Equal("not a record", (string?)await db.StringGetAsync(key));
        Assert.Equal(ClaimStatus.OutcomeUnknown, (await Claim(Scope(), correlationId: "corr-again")).Status);
    }

    /// <summary>
    /// A caller at the most reviews it may have pending, one of them a record another program wrote over with another
    /// type: before, every new hold of that caller read the records of its places to give back those no longer pending,
    /// met WRONGTYPE and failed (500 <c>internal</c>). The damaged record holds no pending review (its retry answers
    /// outcome-unknown), so its place is given back and the new call is held.
    /// </summary>
    [Fact]
    public async Task Review_PendingLimit_APlaceWhoseRecordIsOfAnotherType_IsGivenBack()
    {
        Assert.Equal(ClaimStatus.AwaitingReview, (await ClaimReviewed(Scope("k-1"), maxPending: 1)).Status);
        await WriteOverAsync(new RedisKeys(_prefix).Idempotency(Scope("k-1")), "list");

        var next = await ClaimReviewed(Scope("k-2"), maxPending: 1);

        Assert.Equal(ClaimStatus.AwaitingReview, next.Status);
        Assert.Equal(ClaimStatus.OutcomeUnknown, (await ClaimReviewed(Scope("k-1"), correlationId: "corr-again", maxPending: 1)).Status);
    }

    /// <summary>
    /// The purge and this replica's recovery meet a record another program wrote over with another type: before, each
    /// threw WRONGTYPE on it, so the purge stopped there on every run (nothing indexed after it was purged again) and the
    /// recovery of the claims an earlier incarnation left failed. Now the damaged key is left as it is, its entries taken
    /// out, and the records around it are purged and recovered.
    /// </summary>
    [Fact]
    public async Task PurgeAndRecover_RecordOfAnotherType_IsLeftAlone_AndTheRestGoOn()
    {
        var db = _redis!.GetDatabase();
        var keys = new RedisKeys(_prefix);
        var damaged = keys.Idempotency(Scope("k-damaged"));
        await Claim(Scope("k-damaged"));
        await Claim(Scope("k-sound"));
        await WriteOverAsync(damaged, "string");
        var restarted = new RedisIdempotencyStore(_redis, keys, new ReplicaIdentity("gw-a", "0000000000000002", null));

        var recovered = await restarted.RecoverAsync(Time.GetUtcNow(), Deadline).AsTask().WaitAsync(Timeout);
        Time.Advance(Retention + TimeSpan.FromMinutes(1));
        var purged = await Store.PurgeAsync(Time.GetUtcNow() - Retention, Deadline).AsTask().WaitAsync(Timeout);

        Assert.Equal(1, recovered);
        Assert.Equal(1, purged);
        Assert.Empty(await db.SetMembersAsync(keys.OwnerIndex("gw-a")));
        Assert.Equal(0, await db.SortedSetLengthAsync(keys.CreatedIndex));
        Assert.Equal("not a record", (string?)await db.StringGetAsync(damaged));
        Assert.False(await db.KeyExistsAsync(keys.Idempotency(Scope("k-sound"))));
    }

    /// <summary>
    /// A stored number in a form the store never writes (a point, an exponent, a space, a sign, hex): before, the claim's
    /// script read it with <c>tonumber</c>, which takes each of these, while the admin list read digits (with spaces and a
    /// sign) only, so a completed record created at "….0" was replayed to the agent's retry yet listed outcome-unknown
    /// (one with state "1.0", or an in-progress one whose lease is "….0", alike), and an operator could settle it. Now
    /// both read numbers as the store writes them, plain digits: the claim, the list and the settlement agree the record
    /// cannot be read, the field named. Plain digits with leading zeros are still read, by both.
    /// </summary>
    [Theory]
    [InlineData("created", "{0}.0", "created_at")]
    [InlineData("created", "{0}e0", "created_at")]
    [InlineData("created", "0x{0:x}", "created_at")]
    [InlineData("created", " {0}", "created_at")]
    [InlineData("created", "+{0}", "created_at")]
    [InlineData("state", "1.0", "state")]
    [InlineData("state", " 1", "state")]
    [InlineData("lease", "{0}.0", "lease_expires_at")]
    [InlineData("lease", "{0}e0", "lease_expires_at")]
    [InlineData("created", "000{0}", null)]
    public async Task ClaimListAndSettle_StoredNumberNotInPlainDigits_AgreeItCannotBeRead(string field, string form, string? unreadable)
    {
        var db = _redis!.GetDatabase();
        var key = new RedisKeys(_prefix).Idempotency(Scope());
        var first = await Claim(Scope());
        if (field != "lease")
        {
            Assert.True(await Store.CompleteAsync(Scope(), first.Token!, "{}", Time.GetUtcNow(), Deadline).AsTask().WaitAsync(Timeout));
        }

        var stored = long.Parse((string)(await db.HashGetAsync(key, field == "state" ? "created" : field))!, CultureInfo.InvariantCulture);
        await db.HashSetAsync(key, field, string.Format(CultureInfo.InvariantCulture, form, stored));

        var listed = Assert.Single((await List()).Records);
        var again = await Claim(Scope(), correlationId: "corr-again");
        var settled = await Resolve(Scope(), executed: false, correlationId: "corr-1");

        if (unreadable is null)
        {
            Assert.Equal((ClaimStatus.Completed, IdempotencyState.Completed, null), (again.Status, listed.State, listed.Unreadable));
            Assert.Equal(ResolveStatus.NotOutcomeUnknown, settled);
        }
        else
        {
            Assert.Equal((ClaimStatus.OutcomeUnknown, IdempotencyState.OutcomeUnknown, true), (again.Status, listed.State, listed.Unreadable?.Names(unreadable) == true));
            Assert.Equal(ResolveStatus.Unreadable, settled);
            Assert.True(await db.KeyExistsAsync(key));
        }
    }

    /// <summary>
    /// The purge meets a record whose creation cannot be read: before, "garbage" made its script fail on every run (so
    /// nothing indexed after it was purged again), and "….0" was purged by <c>tonumber</c>'s reading although its claim
    /// and the list judge it unreadable. It is now left as it is, as its claim leaves it (a record is past its retention
    /// only by a creation time that can be read), and the records beside it are purged.
    /// </summary>
    [Theory]
    [InlineData("garbage")]
    [InlineData("{0}.0")]
    public async Task Purge_RecordWhoseCreationCannotBeRead_IsLeftAlone_AndTheRestArePurged(string form)
    {
        var db = _redis!.GetDatabase();
        var damaged = new RedisKeys(_prefix).Idempotency(Scope("k-damaged"));
        await Claim(Scope("k-damaged"));
        await Claim(Scope("k-sound"));
        var created = (string)(await db.HashGetAsync(damaged, "created"))!;
        await db.HashSetAsync(damaged, "created", string.Format(CultureInfo.InvariantCulture, form, created));
        Time.Advance(Retention + TimeSpan.FromMinutes(1));

        var purged = await Store.PurgeAsync(Time.GetUtcNow() - Retention, Deadline).AsTask().WaitAsync(Timeout);

        Assert.Equal(1, purged);
        Assert.True(await db.KeyExistsAsync(damaged));
        Assert.False(await db.KeyExistsAsync(new RedisKeys(_prefix).Idempotency(Scope("k-sound"))));
    }

    /// <summary>Writes <paramref name="key"/> over with a value of <paramref name="type"/>, as another program could.</summary>
    private async Task WriteOverAsync(RedisKey key, string type)
    {
        var db = _redis!.GetDatabase();
        await db.KeyDeleteAsync(key);
        switch (type)
        {
            case "string":
                await db.StringSetAsync(key, "not a record");
                break;
            case "list":
                await db.ListRightPushAsync(key, "not a record");
                break;
            default:
                await db.HashSetAsync(key, "not", "a review id");
                break;
        }
    }

    [Fact]
    public async Task Claim_SetsAStorageTtlBeyondTheRetention()
    {
        await Claim(Scope());

        var record = _redis!.GetServers().Single().Keys(pattern: _prefix + ":idem:*").Single();
        var ttl = await _redis.GetDatabase().KeyTimeToLiveAsync(record);

        Assert.NotNull(ttl);
        Assert.True(ttl > Retention, $"TTL {ttl} should outlast the retention");
    }

    /// <summary>
    /// A key claimed again after its retention is indexed at its new creation by a fire-and-forget command. Before, when
    /// that command was lost, the purge took the stale entry out of the index and the live key was never listed (nor
    /// purged by the index) again. The purge now indexes it again at its record's creation.
    /// </summary>
    [Fact]
    public async Task Purge_AKeyWhoseIndexUpdateWasLost_IsIndexedAgain_AndStaysListed()
    {
        var db = _redis!.GetDatabase();
        var keys = new RedisKeys(_prefix);
        var member = keys.Idempotency(Scope()).ToString();
        var first = await Claim(Scope());
        Assert.True(await Store.CompleteAsync(Scope(), first.Token!, "{}", Time.GetUtcNow(), Deadline));
        var firstCreated = Time.GetUtcNow().ToUnixTimeMilliseconds();
        Time.Advance(Retention + TimeSpan.FromMinutes(1));
        Assert.Equal(ClaimStatus.Claimed, (await Claim(Scope(), correlationId: "corr-again")).Status);
        await db.SortedSetAddAsync(keys.CreatedIndex, member, firstCreated);

        Assert.Equal(0, await Store.PurgeAsync(Time.GetUtcNow() - Retention, Deadline));

        Assert.Equal(Time.GetUtcNow().ToUnixTimeMilliseconds(), (long?)await db.SortedSetScoreAsync(keys.CreatedIndex, member));
        Assert.Equal("corr-again", Assert.Single((await List()).Records).CorrelationId);
    }

    /// <summary>
    /// The purge reads a stale entry's record, and an operator settles the key "not executed" (the record goes, its entry
    /// stays) before the purge indexes it again. Before, the purge put the entry back at its old creation; now an entry is
    /// only ever moved forward: the key is not listed, and the purge takes its entry out once it is past its retention.
    /// </summary>
    [Fact]
    public async Task Purge_AKeySettledWhileItsEntryIsRepaired_IsNotListed_AndIsPurgedInTime()
    {
        var db = _redis!.GetDatabase();
        var keys = new RedisKeys(_prefix);
        var member = keys.Idempotency(Scope()).ToString();
        var claim = await Claim(Scope());
        Assert.True(await Store.MarkUnknownAsync(Scope(), claim.Token!, Time.GetUtcNow(), Deadline));
        await db.SortedSetAddAsync(keys.CreatedIndex, member, 0);
        var purging = new RedisIdempotencyStore(
            CommandHook.AfterAnswer(_redis, IsPurgeScript, async () => Assert.Equal(ResolveStatus.Resolved, await Resolve(Scope(), executed: false))),
            keys, new ReplicaIdentity("gw-a", "0000000000000001", null));

        Assert.Equal(0, await purging.PurgeAsync(Time.GetUtcNow() - Retention, Deadline).AsTask().WaitAsync(Timeout));

        Assert.Null(await Get(Scope()));
        Assert.Empty((await List()).Records);
        Time.Advance(Retention + TimeSpan.FromMinutes(1));
        Assert.Equal(0, await Store.PurgeAsync(Time.GetUtcNow() - Retention, Deadline).AsTask().WaitAsync(Timeout));
        Assert.Null(await db.SortedSetScoreAsync(keys.CreatedIndex, member));
    }

    /// <summary>
    /// The purge reads a stale entry's record, and the key is released and claimed again (indexed at its new creation)
    /// before the purge indexes it again. Before, the purge moved the entry back to the old record's creation, out of
    /// order, and out of the list once that passed its retention; now the newer entry stays.
    /// </summary>
    [Fact]
    public async Task Purge_AKeyClaimedAgainWhileItsEntryIsRepaired_KeepsTheNewerEntry()
    {
        var db = _redis!.GetDatabase();
        var keys = new RedisKeys(_prefix);
        var member = keys.Idempotency(Scope()).ToString();
        var claim = await Claim(Scope());
        await db.SortedSetAddAsync(keys.CreatedIndex, member, 0);
        long? again = null;
        var purging = new RedisIdempotencyStore(
            CommandHook.AfterAnswer(_redis, IsPurgeScript, async () =>
            {
                Assert.True(await Store.ReleaseAsync(Scope(), claim.Token!, Deadline));
                Time.Advance(TimeSpan.FromMinutes(1));
                Assert.Equal(ClaimStatus.Claimed, (await Claim(Scope(), correlationId: "corr-again")).Status);
                again = Time.GetUtcNow().ToUnixTimeMilliseconds();
            }),
            keys, new ReplicaIdentity("gw-a", "0000000000000001", null));

        Assert.Equal(0, await purging.PurgeAsync(Time.GetUtcNow() - Retention, Deadline).AsTask().WaitAsync(Timeout));

        Assert.Equal(again, (long?)await db.SortedSetScoreAsync(keys.CreatedIndex, member));
    }

    /// <summary>
    /// One replica releases a key (or an operator settles it "not executed") and another claims it again before anything
    /// the first sends after its answer arrives. Before, the first then took the key's creation entry out (sent without
    /// waiting), the live claim's entry with it, and the admin list never showed that call. Now no settlement removes an entry.
    /// </summary>
    [Theory]
    [InlineData("release")]
    [InlineData("not executed")]
    public async Task Settled_AndClaimedAgainByAnotherReplica_BeforeTheFirstSendsOn_TheNewClaimStaysListed(string settlement)
    {
        var claim = await Claim(Scope(), correlationId: "corr-first");
        if (settlement != "release")
        {
            Assert.True(await Store.MarkUnknownAsync(Scope(), claim.Token!, Time.GetUtcNow(), Deadline));
        }

        var claimedAgain = new Lazy<Task>(async () =>
            Assert.Equal(ClaimStatus.Claimed, (await Claim(Scope(), correlationId: "corr-again")).Status));
        var connection = CommandHook.BeforeSending(_redis!, (method, _) => method.Name != nameof(IDatabase.ScriptEvaluateAsync), () => claimedAgain.Value);
        var settling = new RedisIdempotencyStore(connection, new RedisKeys(_prefix), new ReplicaIdentity("gw-a", "0000000000000001", null));

        if (settlement == "release")
        {
            Assert.True(await settling.ReleaseAsync(Scope(), claim.Token!, Deadline).AsTask().WaitAsync(Timeout));
        }
        else
        {
            Assert.Equal(ResolveStatus.Resolved, await settling.ResolveAsync(
                new IdempotencyResolveRequest(Scope(), "corr-first", false, null, "ops", null, Time.GetUtcNow(), Retention), Deadline).AsTask().WaitAsync(Timeout));
        }

        await claimedAgain.Value.WaitAsync(Timeout);
        await CommandHook.SentAsync(connection).WaitAsync(Timeout);

        Assert.Equal("corr-again", Assert.Single((await List()).Records).CorrelationId);
    }

    /// <summary>
    /// A list reads the index in batches of 500. Before, each batch went on from an offset, so a key claimed while a
    /// page was read (indexed at the front) shifted the entries by one and the page listed the entry at the batches'
    /// seam twice. Each batch now goes on from the last entry read.
    /// </summary>
    [Fact]
    public async Task List_AKeyClaimedBetweenTheIndexBatches_ListsNoRecordTwice()
    {
        for (var i = 0; i < 10; i++)
        {
            var done = await Claim(Scope($"done-{i:D2}"));
            Assert.True(await Store.CompleteAsync(Scope($"done-{i:D2}"), done.Token!, "{}", Time.GetUtcNow(), Deadline));
            Time.Advance(TimeSpan.FromMilliseconds(1));
        }

        // 499 newer keys still in progress: the first batch ends at the newest completed key.
        await Task.WhenAll(Enumerable.Range(0, 499).Select(i => Claim(Scope($"running-{i:D3}"))));
        Time.Advance(TimeSpan.FromMilliseconds(1));
        var listing = new RedisIdempotencyStore(
            CommandHook.AfterAnswer(_redis!, (method, _) => method.Name == nameof(IDatabase.SortedSetRangeByScoreWithScoresAsync),
                async () => Assert.Equal(ClaimStatus.Claimed, (await Claim(Scope("claimed-meanwhile"))).Status)),
            new RedisKeys(_prefix), new ReplicaIdentity("gw-a", "0000000000000001", null));

        var page = await listing.ListAsync(new IdempotencyListRequest(Time.GetUtcNow(), Retention) { State = IdempotencyState.Completed, Limit = 5 }, Deadline)
            .AsTask().WaitAsync(Timeout);

        Assert.Equal(["done-09", "done-08", "done-07", "done-06", "done-05"], page.Records.Select(r => r.Scope.Key));
        Assert.NotNull(page.Next);
    }

    /// <summary>More keys of one millisecond than a batch holds: each batch goes on past those of that score already read.</summary>
    [Fact]
    public async Task List_MoreKeysOfOneMillisecondThanABatch_ListsEachOnce()
    {
        await Task.WhenAll(Enumerable.Range(0, 1_100).Select(i => Claim(Scope($"running-{i:D4}"))));
        foreach (var key in new[] { "done-a", "done-b", "done-c" })
        {
            var done = await Claim(Scope(key));
            Assert.True(await Store.CompleteAsync(Scope(key), done.Token!, "{}", Time.GetUtcNow(), Deadline));
        }

        var page = await List(state: IdempotencyState.Completed, limit: 10);

        Assert.Equal(["done-a", "done-b", "done-c"], page.Records.Select(r => r.Scope.Key).Order());
        Assert.Null(page.Next);
    }

    /// <summary>
    /// The reviewers' list reads the review index in batches of 500, oldest first. Before, each batch went on from an
    /// offset, so an id taken out of the first batch while the page was read (a claim's unused review) shifted the next
    /// batch past a review never read. Each batch now goes on from the last entry read.
    /// </summary>
    [Fact]
    public async Task ListReviews_AnIdTakenOutBetweenTheIndexBatches_SkipsNoReview()
    {
        var db = _redis!.GetDatabase();
        var keys = new RedisKeys(_prefix);
        var now = Time.GetUtcNow().ToUnixTimeMilliseconds();
        await db.SortedSetAddAsync(keys.ReviewIndex, [.. Enumerable.Range(0, 499).Select(i => new SortedSetEntry($"gone-{i:D3}", now - 1_000 + i))]);
        string[] held = [];
        foreach (var key in new[] { "k-1", "k-2", "k-3" })
        {
            held = [.. held, (await ClaimReviewed(Scope(key))).Review!.Id];
            Time.Advance(TimeSpan.FromMilliseconds(1));
        }

        var listing = new RedisIdempotencyStore(
            CommandHook.AfterAnswer(db.Multiplexer, (method, _) => method.Name == nameof(IDatabase.SortedSetRangeByScoreWithScoresAsync),
                () => db.SortedSetRemoveAsync(keys.ReviewIndex, "gone-000")),
            keys, new ReplicaIdentity("gw-a", "0000000000000001", null));

        var page = await listing.ListReviewsAsync(new ReviewListRequest(Time.GetUtcNow(), Retention) { Limit = 10 }, Deadline).AsTask().WaitAsync(Timeout);

        Assert.Equal(held, page.Reviews.Select(r => r.Id));
    }

    /// <summary>More review ids of one millisecond than a batch holds: each batch goes on past those of that score already read.</summary>
    [Fact]
    public async Task ListReviews_MoreIdsOfOneMillisecondThanABatch_ListsEachOnce()
    {
        var db = _redis!.GetDatabase();
        var keys = new RedisKeys(_prefix);
        var now = Time.GetUtcNow().ToUnixTimeMilliseconds();
        await db.SortedSetAddAsync(keys.ReviewIndex, [.. Enumerable.Range(0, 1_100).Select(i => new SortedSetEntry($"gone-{i:D4}", now))]);
        var held = new List<string>();
        foreach (var key in new[] { "k-1", "k-2", "k-3" })
        {
            held.Add((await ClaimReviewed(Scope(key))).Review!.Id);
        }

        var page = await Store.ListReviewsAsync(new ReviewListRequest(Time.GetUtcNow(), Retention) { Limit = 10 }, Deadline).AsTask().WaitAsync(Timeout);

        Assert.Equal(held.Order(StringComparer.Ordinal), page.Reviews.Select(r => r.Id));
        Assert.Null(page.Next);
    }

    private static bool IsPurgeScript(MethodInfo method, object?[]? args) =>
        method.Name == nameof(IDatabase.ScriptEvaluateAsync) && args is [string script, ..] && script == RedisScripts.Purge;

    /// <summary>
    /// A connection that runs a step once, either after the first matching command's answer and before the caller goes
    /// on, or before any matching command is sent (each waits for the step; for a command sent without waiting, the
    /// caller goes on at once, and <see cref="SentAsync"/> waits until every such command has had its answer).
    /// </summary>
    public class CommandHook : DispatchProxy
    {
        private object _inner = null!;
        private Shared _shared = null!;

        public static IConnectionMultiplexer AfterAnswer(IConnectionMultiplexer inner, Func<MethodInfo, object?[]?, bool> matches, Func<Task> hook) =>
            Wrap(inner, new Shared(matches, hook, BeforeSending: false));

        public static IConnectionMultiplexer BeforeSending(IConnectionMultiplexer inner, Func<MethodInfo, object?[]?, bool> matches, Func<Task> hook) =>
            Wrap(inner, new Shared(matches, hook, BeforeSending: true));

        /// <summary>Every matching command of <paramref name="connection"/> so far, answered.</summary>
        public static Task SentAsync(IConnectionMultiplexer connection)
        {
            var shared = ((CommandHook)(object)connection)._shared;
            lock (shared.Sent)
            {
                return Task.WhenAll(shared.Sent);
            }
        }

        private static IConnectionMultiplexer Wrap(IConnectionMultiplexer inner, Shared shared)
        {
            var connection = DispatchProxy.Create<IConnectionMultiplexer, CommandHook>();
            ((CommandHook)(object)connection)._inner = inner;
            ((CommandHook)(object)connection)._shared = shared;
            return connection;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod!.Name == nameof(IConnectionMultiplexer.GetDatabase))
            {
                var database = DispatchProxy.Create<IDatabase, CommandHook>();
                ((CommandHook)(object)database)._inner = targetMethod.Invoke(_inner, args)!;
                ((CommandHook)(object)database)._shared = _shared;
                return database;
            }

            if (_inner is not IDatabase || !targetMethod.ReturnType.IsGenericType
                || targetMethod.ReturnType.GetGenericTypeDefinition() != typeof(Task<>) || !_shared.Matches(targetMethod, args))
            {
                return targetMethod.Invoke(_inner, args);
            }

            var around = (Task)typeof(CommandHook).GetMethod(nameof(AroundAsync), BindingFlags.NonPublic | BindingFlags.Instance)!
                .MakeGenericMethod(targetMethod.ReturnType.GetGenericArguments()[0])
                .Invoke(this, [(Func<object?>)(() => targetMethod.Invoke(_inner, args))])!;
            lock (_shared.Sent)
            {
                _shared.Sent.Add(around);
            }

            return around;
        }

        private async Task<T> AroundAsync<T>(Func<object?> send)
        {
            if (_shared.BeforeSending)
            {
                await _shared.Step();
            }

            var answer = await (Task<T>)send()!;
            if (!_shared.BeforeSending)
            {
                await _shared.Step();
            }

            return answer;
        }

        private sealed record Shared(Func<MethodInfo, object?[]?, bool> Matches, Func<Task> Hook, bool BeforeSending)
        {
            private readonly Lazy<Task> _step = new(Hook);

            public List<Task> Sent { get; } = [];

            public Task Step() => _step.Value;
        }
    }

    /// <summary>
    /// A decision whose fire-and-forget removal from the principal's places was lost, and a place whose key answered
    /// otherwise (its record holds no review), leave places that the limit, once reached, gives back; a place whose claim
    /// may be on its way (its record is not there yet) is kept.
    /// </summary>
    [Fact]
    public async Task Review_PendingLimit_PlacesLeftByLostCommandsAreGivenBack_InFlightOnesKept()
    {
        var db = _redis!.GetDatabase();
        var keys = new RedisKeys(_prefix);
        var places = keys.PendingReviews("prod", "alice");
        var decided = (await ClaimReviewed(Scope("k-1"), maxPending: 3)).Review!;
        await Decide(decided.Id, "bob", approve: false);
        var plain = await Claim(Scope("k-plain"));
        Assert.True(await Store.CompleteAsync(Scope("k-plain"), plain.Token!, "{}", Time.GetUtcNow(), Deadline));
        var deadline = (Time.GetUtcNow() + ReviewWindow).ToUnixTimeMilliseconds();
        await db.SortedSetAddAsync(places, keys.Idempotency(Scope("k-1")).ToString(), deadline);
        await db.SortedSetAddAsync(places, keys.Idempotency(Scope("k-plain")).ToString(), deadline);
        await db.SortedSetAddAsync(places, keys.Idempotency(Scope("k-on-its-way")).ToString(), deadline);

        var held = await ClaimReviewed(Scope("k-2"), maxPending: 3);
        var next = await ClaimReviewed(Scope("k-3"), maxPending: 3);
        var refused = await ClaimReviewed(Scope("k-4"), maxPending: 3);

        Assert.Equal(ClaimStatus.AwaitingReview, held.Status);
        Assert.Equal(ClaimStatus.AwaitingReview, next.Status);
        Assert.Equal(ClaimStatus.ReviewLimitReached, refused.Status);
        var left = (await db.SortedSetRangeByRankAsync(places)).Select(v => (string)v!).ToHashSet();
        Assert.Equal(new HashSet<string> { keys.Idempotency(Scope("k-on-its-way")).ToString(), keys.Idempotency(Scope("k-2")).ToString(), keys.Idempotency(Scope("k-3")).ToString() }, left);
    }

    /// <summary>
    /// A review an earlier version indexed again after it was created (a caller-mode review claimed once its user decided)
    /// is paged through once: the cursor is where the walk stands, so a page ending with it never sends the next back.
    /// </summary>
    [Fact]
    public async Task ListReviews_EntryIndexedAfterItsCreation_PagingEnds_EachListedOnce()
    {
        var moved = (await ClaimReviewed(Scope("k-moved"))).Review!.Id;
        Time.Advance(TimeSpan.FromSeconds(1));
        var held = (await ClaimReviewed(Scope("k-held"))).Review!.Id;
        Time.Advance(TimeSpan.FromSeconds(1));
        await _redis!.GetDatabase().SortedSetAddAsync(new RedisKeys(_prefix).ReviewIndex, moved, Time.GetUtcNow().ToUnixTimeMilliseconds());
        Time.Advance(TimeSpan.FromSeconds(1));
        var later = (await ClaimReviewed(Scope("k-later"))).Review!.Id;

        var listed = await ListReviewsPageByPageAsync();

        Assert.Equal([held, moved, later], listed);
    }
}
