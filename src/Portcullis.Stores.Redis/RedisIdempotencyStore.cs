using System.Globalization;
using Portcullis.Core.Idempotency;
using Portcullis.Core.Review;
using Portcullis.Core.State;
using StackExchange.Redis;

namespace Portcullis.Stores.Redis;

/// <summary>
/// Idempotency records in Redis: one hash per scope, every step one Lua script on that one key. Records carry the
/// claiming replica's owner value; a storage TTL (retention plus a day) only cleans up, expiry is judged from the
/// stored creation time.
/// </summary>
internal sealed partial class RedisIdempotencyStore(IConnectionMultiplexer redis, RedisKeys keys, ReplicaIdentity replica) : IIdempotencyStore
{
    private static readonly TimeSpan CleanupSlack = TimeSpan.FromDays(1);

    /// <summary>What the claim script answers a record it cannot read, without the call's correlation id (none can be read).</summary>
    private static readonly RedisResult UnreadableClaim = RedisResult.Create([RedisResult.Create((RedisValue)"unknown"), RedisResult.Create((RedisValue)"")]);

    private IDatabase Db => redis.GetDatabase();

    public async ValueTask<ClaimResult> TryClaimAsync(IdempotencyClaimRequest request, CancellationToken cancellationToken)
    {
        var db = Db;
        var key = keys.Idempotency(request.Scope);
        var token = request.Token;
        var now = request.Now.ToUnixTimeMilliseconds();
        var member = key.ToString();
        var owned = OwnerEntry(key, token);

        // Indexed before the claim, on the same connection (so applied first): a claim or a review whose answer is lost
        // is still found, by this replica's next incarnation, the admin list and the reviewers. An entry whose claim
        // was not made is skipped by every reader (each checks the record), and is taken back below when known.
        _ = db.SetAddAsync(keys.OwnerIndex(replica.Id), owned, CommandFlags.FireAndForget);
        _ = db.SortedSetAddAsync(keys.CreatedIndex, member, now, When.NotExists, CommandFlags.FireAndForget);
        if (request.Review is { } hold)
        {
            _ = db.StringSetAsync(keys.Review(hold.Id), member, request.Retention + CleanupSlack, flags: CommandFlags.FireAndForget);
            // Only a new id: caller mode claims again with the id of the review it holds once its user decided, which must
            // keep its place (its creation) in the reviewers' list.
            _ = db.SortedSetAddAsync(keys.ReviewIndex, hold.Id, now, When.NotExists, CommandFlags.FireAndForget);
        }

        // An approved hold is judged here and taken by a second script; a retry that took it first makes this one read again.
        // A new review is held only once it has its place under its principal's limit, taken when the key proves free.
        var placed = false;
        for (var attempt = 0; ; attempt++)
        {
            // A key another program wrote over (of another type) is a record that cannot be read: whether a call ran under it
            // cannot be told, so the key is neither run again nor taken (answered below as the script answers such a record).
            var result = (RedisResult[])(await OnRecordAsync(RedisScripts.Claim, key,
            [
                request.Fingerprint, request.CorrelationId, now, (long)request.Lease.TotalMilliseconds, (long)request.Retention.TotalMilliseconds,
                token, replica.Owner, (long)(request.Retention + CleanupSlack).TotalMilliseconds,
                request.Scope.Environment, request.Scope.Connector, request.Scope.Principal, request.Scope.Tool, request.Scope.Key,
                request.Review?.Id ?? "", request.Review?.Mode ?? "", request.Review?.ArgumentsJson ?? "",
                request.Review?.ExpiresAt.ToUnixTimeMilliseconds() ?? 0, request.Review?.ApprovalsRequired ?? 0, request.Review?.DefinitionSha256 ?? "",
                placed ? "1" : "0",
            ], UnreadableClaim).ConfigureAwait(false))!;

            var status = (string)result[0]!;
            var correlationId = result.Length > 1 ? (string)result[1]! : "";
            switch (status)
            {
                case "free" when !placed:
                    if (!await PlacePendingReviewAsync(request, request.Review!, cancellationToken).ConfigureAwait(false))
                    {
                        NotClaimed(owned);
                        ForgetUnusedReview(request);
                        return ClaimResult.ReviewLimitReached();
                    }

                    placed = true;
                    continue;
                case "claimed":
                    // A key claimed again after its retention is indexed at its new creation time.
                    _ = db.SortedSetAddAsync(keys.CreatedIndex, member, now, CommandFlags.FireAndForget);
                    ForgetUnusedReview(request);
                    return ClaimResult.Claimed(token);
                case "completed":
                    NotClaimed(owned);
                    ForgetUnusedReview(request);
                    return ClaimResult.Completed((string)result[2]!, correlationId);
                case "in_progress":
                    NotClaimed(owned);
                    ForgetUnusedReview(request);
                    return ClaimResult.InProgress(DateTimeOffset.FromUnixTimeMilliseconds(long.Parse((string)result[2]!, CultureInfo.InvariantCulture)), correlationId);
                case "reused":
                    NotClaimed(owned);
                    ForgetUnusedReview(request);
                    return ClaimResult.Reused(correlationId);
                case "held":
                    NotClaimed(owned);
                    _ = db.SortedSetAddAsync(keys.CreatedIndex, member, now, CommandFlags.FireAndForget);
                    return ClaimResult.Held(ClaimStatus.AwaitingReview, await ReadReviewAsync(key).ConfigureAwait(false));
                case "review":
                    if (await TryReadHeldReviewAsync(key).ConfigureAwait(false) is not { } readable)
                    {
                        // Held, but its review cannot be read (damaged by hand or by another program): neither run nor taken.
                        NotClaimed(owned);
                        ForgetUnusedReview(request);
                        return ClaimResult.OutcomeUnknown(correlationId);
                    }

                    var review = ForgetUnusedReview(request, readable);
                    var judged = ReviewTransitions.Judge(review, request);
                    if (ReviewTransitions.Lapses(review, judged))
                    {
                        if ((long)await OnRecordAsync(RedisScripts.Lapse, key, [review.Id, review.Decision is { Approved: true } ? "1" : ""], 0).ConfigureAwait(false) == 1)
                        {
                            NotClaimed(owned);
                            return ClaimResult.Held(judged, review with { Lapsed = true });
                        }

                        // Decided or taken since it was read: answer as it stands now.
                        if (attempt >= 10)
                        {
                            throw new InvalidOperationException("The review kept changing while it was answered expired.");
                        }

                        continue;
                    }

                    if (judged != ClaimStatus.Claimed)
                    {
                        NotClaimed(owned);
                        return ClaimResult.Held(judged, review);
                    }

                    if ((long)await OnRecordAsync(RedisScripts.TakeApproved, key,
                        [token, request.CorrelationId, (request.Now + request.Lease).ToUnixTimeMilliseconds(), now, replica.Owner, review.Id, request.Fingerprint], 0)
                        .ConfigureAwait(false) == 1)
                    {
                        return ClaimResult.Claimed(token, review);
                    }

                    if (attempt >= 10)
                    {
                        throw new InvalidOperationException("The approved review kept changing hands while it was claimed.");
                    }

                    continue;
                default:
                    NotClaimed(owned);
                    ForgetUnusedReview(request);
                    return ClaimResult.OutcomeUnknown(correlationId);
            }
        }
    }

    /// <summary>
    /// This claim took nothing (the key was another call's, or answered from): its own entry goes, and only its own, so
    /// no other call's (not even another of this replica's with the same key, claimed meanwhile) is taken away.
    /// </summary>
    private void NotClaimed(string owned) => _ = Db.SetRemoveAsync(keys.OwnerIndex(replica.Id), owned, CommandFlags.FireAndForget);

    /// <summary>
    /// One claim's entry in its replica's owner index: the record key and the claim's token, so that each entry is one
    /// call's. A key's entries are never shared between calls, so each can be taken back whatever became of the others.
    /// </summary>
    private static string OwnerEntry(RedisKey key, string token) => $"{key}|{token}";

    /// <summary>The record key an owner index entry names (entries written before tokens were added are the key alone).</summary>
    private static string RecordOf(string entry)
    {
        var bar = entry.LastIndexOf('|');
        return bar > entry.LastIndexOf('}') ? entry[..bar] : entry;
    }

    /// <summary>
    /// Takes back the review id indexed before a claim that did not hold a new review, unless the record is that very
    /// review (the caller-mode claim after the calling user decided carries the id of the review it holds).
    /// </summary>
    private ReviewRecord ForgetUnusedReview(IdempotencyClaimRequest request, ReviewRecord record)
    {
        if (request.Review?.Id != record.Id)
        {
            ForgetUnusedReview(request);
        }

        return record;
    }

    private void ForgetUnusedReview(IdempotencyClaimRequest request)
    {
        if (request.Review is { } unused)
        {
            _ = Db.KeyDeleteAsync(keys.Review(unused.Id), CommandFlags.FireAndForget);
            _ = Db.SortedSetRemoveAsync(keys.ReviewIndex, unused.Id, CommandFlags.FireAndForget);
        }
    }

    public async ValueTask<bool> CompleteAsync(IdempotencyScope scope, string token, string resultJson, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var key = keys.Idempotency(scope);
        var done = (long)await OnRecordAsync(RedisScripts.Complete, key, [token, resultJson, now.ToUnixTimeMilliseconds()], 0).ConfigureAwait(false) == 1;

        // This claim's own entry only: held or not, it has nothing left in progress under this token.
        Unindex(key, token);
        return done;
    }

    public async ValueTask<bool> MarkUnknownAsync(IdempotencyScope scope, string token, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var key = keys.Idempotency(scope);
        var done = (long)await OnRecordAsync(RedisScripts.MarkUnknown, key, [token, now.ToUnixTimeMilliseconds()], 0).ConfigureAwait(false) == 1;
        Unindex(key, token);
        return done;
    }

    public async ValueTask<bool> ReleaseAsync(IdempotencyScope scope, string token, CancellationToken cancellationToken)
    {
        var key = keys.Idempotency(scope);
        var released = (long)await OnRecordAsync(RedisScripts.Release, key, [token], 0).ConfigureAwait(false);

        // This token's entry only (a claim whose answer was lost and that was never made has one too): another call's
        // entry for the same key is its own. The key's creation entry stays (see RedisKeys.CreatedIndex).
        Unindex(key, token);
        return released != 0;
    }

    public async ValueTask<int> PurgeAsync(DateTimeOffset createdBefore, CancellationToken cancellationToken)
    {
        var db = Db;
        var cutOff = createdBefore.ToUnixTimeMilliseconds();
        var purged = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = await db.SortedSetRangeByScoreAsync(keys.CreatedIndex, double.NegativeInfinity, cutOff, Exclude.Stop, take: 500).ConfigureAwait(false);
            if (batch.Length == 0)
            {
                // Review ids of purged records go too; their id → record keys expire with their storage TTL.
                await db.SortedSetRemoveRangeByScoreAsync(keys.ReviewIndex, double.NegativeInfinity, cutOff, Exclude.Stop).ConfigureAwait(false);
                return purged;
            }

            var kept = new long[batch.Length];
            for (var i = 0; i < batch.Length; i++)
            {
                kept[i] = (long)await OnRecordAsync(RedisScripts.Purge, (string)batch[i]!, [cutOff], 0).ConfigureAwait(false);
                purged += kept[i] < 0 ? 1 : 0;
            }

            // A member re-claimed since it was read has a newer score and stays; the record was left alone by the script.
            // One whose record is newer than its entry (the fire-and-forget update of a key claimed again after its
            // retention was lost) is indexed again at its record's creation, so it stays listed and is purged in time:
            // only moved forward (XX GT), since the key may have been settled (its entry taken out) or claimed again
            // (indexed later) between the read and the update.
            for (var i = 0; i < batch.Length; i++)
            {
                var member = batch[i];
                if (kept[i] >= cutOff)
                {
                    await db.SortedSetAddAsync(keys.CreatedIndex, member, kept[i], SortedSetWhen.Exists | SortedSetWhen.GreaterThan).ConfigureAwait(false);
                    continue;
                }

                await db.ScriptEvaluateAsync(
                    "if redis.call('ZSCORE', KEYS[1], ARGV[1]) and tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1])) < tonumber(ARGV[2]) then redis.call('ZREM', KEYS[1], ARGV[1]) end",
                    [keys.CreatedIndex], [member, cutOff]).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Settles the claims an earlier incarnation of this replica left in progress: they become outcome-unknown.
    /// Only records whose owner is this replica's id are touched, whoever else's index they appear in.
    /// </summary>
    public async ValueTask<int> RecoverAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var db = Db;
        var index = keys.OwnerIndex(replica.Id);
        var recovered = 0;
        await foreach (var member in db.SetScanAsync(index, pageSize: 500).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            var record = RecordOf((string)member!);
            recovered += (int)(long)await OnRecordAsync(RedisScripts.Recover, record, [replica.Id + "#", replica.Owner, now.ToUnixTimeMilliseconds()], 0)
                .ConfigureAwait(false);
            var owner = await db.HashGetAsync(record, "owner").OrWhenWrongType(RedisValue.Null).ConfigureAwait(false);
            if (owner != replica.Owner)
            {
                await db.SetRemoveAsync(index, member).ConfigureAwait(false);
            }
        }

        return recovered;
    }

    /// <summary>
    /// One of <see cref="RedisScripts"/> on the record <paramref name="key"/>: what it answers, or <paramref name="damaged"/>
    /// (what the script answers a record it cannot read) when the key holds another type (see <see cref="RedisWrongType"/>).
    /// </summary>
    private ValueTask<RedisResult> OnRecordAsync(string script, RedisKey key, RedisValue[] args, RedisResult damaged) =>
        Db.ScriptEvaluateAsync(script, [key], args).OrWhenWrongType(damaged);

    private ValueTask<RedisResult> OnRecordAsync(string script, RedisKey key, RedisValue[] args, long damaged) =>
        OnRecordAsync(script, key, args, RedisResult.Create((RedisValue)damaged));

    private void Unindex(RedisKey key, string token) =>
        _ = Db.SetRemoveAsync(keys.OwnerIndex(replica.Id), OwnerEntry(key, token), CommandFlags.FireAndForget);
}
