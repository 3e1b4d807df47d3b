using System.Globalization;
using System.Text;
using System.Text.Json;
using Portcullis.Core.Idempotency;
using Portcullis.Core.Review;
using StackExchange.Redis;

namespace Portcullis.Stores.Redis;

/// <summary>
/// Reviews: a held record (state 3) is its review, in the record's own hash. Holding and taking an approved hold are
/// part of the claim script; a decision is an optimistic transaction on the record (its approvals unchanged and no
/// decision yet, else read again), applying the one state machine every store shares, so a review is decided once.
/// A review id leads to its record through <see cref="RedisKeys.Review"/>; reviewers' lists walk
/// <see cref="RedisKeys.ReviewIndex"/> oldest first.
/// </summary>
internal sealed partial class RedisIdempotencyStore
{
    private const int DecideAttempts = 50;

    /// <remarks>
    /// A review id or record another program wrote over (of another type) holds no review: none is found, so the reviewers'
    /// list goes on without it and its decision answers not found, as SQLite and PostgreSQL answer a review they cannot read.
    /// </remarks>
    public ValueTask<ReviewRecord?> GetReviewAsync(string id, DateTimeOffset now, TimeSpan retention, CancellationToken cancellationToken) =>
        ReadReviewByIdAsync(id, now, retention).OrWhenWrongType(null);

    private async Task<ReviewRecord?> ReadReviewByIdAsync(string id, DateTimeOffset now, TimeSpan retention)
    {
        var record = await Db.StringGetAsync(keys.Review(id)).ConfigureAwait(false);
        if (record.IsNull)
        {
            return null;
        }

        var review = ReadReview(await Db.HashGetAllAsync((string)record!).ConfigureAwait(false));
        return review is not null && review.Id == id && review.CreatedAt > now - retention ? review : null;
    }

    public async ValueTask<ReviewPage> ListReviewsAsync(ReviewListRequest request, CancellationToken cancellationToken)
    {
        var db = Db;
        var cutoff = (request.Now - request.Retention).ToUnixTimeMilliseconds();
        var (fromScore, afterId) = request.Cursor is { } cursor ? DecodeReviewCursor(cursor) : (cutoff, null);
        var reviews = new List<ReviewRecord>(request.Limit);
        var lastScore = 0L;
        await foreach (var batch in db.WalkAsync(keys.ReviewIndex, fromScore, double.PositiveInfinity,
            request.Cursor is null ? Exclude.Start : Exclude.None, Order.Ascending, ListBatch, cancellationToken).ConfigureAwait(false))
        {
            foreach (var entry in batch)
            {
                var id = (string)entry.Element!;
                if (afterId is not null && (long)entry.Score == fromScore && string.CompareOrdinal(id, afterId) <= 0)
                {
                    continue;
                }

                if (await GetReviewAsync(id, request.Now, request.Retention, cancellationToken).ConfigureAwait(false) is not { } review
                    || (request.State is { } state && review.StateAt(request.Now) != state)
                    || (request.Environment is not null && review.Scope.Environment != request.Environment)
                    || (request.Connector is not null && review.Scope.Connector != request.Connector)
                    || (request.Tool is not null && review.Scope.Tool != request.Tool)
                    || !request.MatchesPrincipal(review.Scope.Principal))
                {
                    continue;
                }

                if (reviews.Count == request.Limit)
                {
                    // The cursor is where the walk stands (the last entry's score), never a time read from the record: an
                    // entry indexed later than its record was created (by an earlier version) would send the next page
                    // back over the ones already listed, and the paging would go round for ever.
                    return new ReviewPage(reviews, Convert.ToBase64String(Encoding.UTF8.GetBytes(
                        lastScore.ToString(CultureInfo.InvariantCulture) + "," + reviews[^1].Id)));
                }

                reviews.Add(review);
                lastScore = (long)entry.Score;
            }
        }

        return new ReviewPage(reviews, null);
    }

    /// <summary>
    /// Takes a place for <paramref name="hold"/> under its principal's limit; false when the limit is reached. A place is
    /// the record key's, so first calls of one key racing each other share one place (and one hold). A full set is
    /// checked once against the records its places name: a place whose record holds no pending review (decided, or the
    /// key answered otherwise) is given back, and the place is tried again. A place whose record is not there yet keeps
    /// it: its claim may be on its way, or never come (the replica stopped between the two), until its deadline.
    /// </summary>
    private async Task<bool> PlacePendingReviewAsync(IdempotencyClaimRequest request, ReviewHold hold, CancellationToken cancellationToken)
    {
        var db = Db;
        var set = keys.PendingReviews(request.Scope.Environment, request.Scope.Principal);
        var now = request.Now.ToUnixTimeMilliseconds();
        var cutoff = now - (long)request.Retention.TotalMilliseconds;
        for (var pass = 0; ; pass++)
        {
            if ((long)await db.ScriptEvaluateAsync(RedisScripts.ReservePendingReview, [set],
                [now, keys.Idempotency(request.Scope).ToString(), hold.ExpiresAt.ToUnixTimeMilliseconds(), hold.MaxPendingPerPrincipal,
                    (long)(hold.ExpiresAt - request.Now + CleanupSlack).TotalMilliseconds])
                .ConfigureAwait(false) == 1)
            {
                return true;
            }

            if (pass > 0)
            {
                return false;
            }

            // The records are read together (one round trip's wait, pipelined on the connection), not one by one: an
            // agent refused at its limit in a loop must not cost Redis a round trip per place each time.
            var places = await db.SortedSetRangeByRankAsync(set).ConfigureAwait(false);
            var records = await Task.WhenAll(places.Select(place => ReadHashAsync(db, (string)place!))).WaitAsync(cancellationToken).ConfigureAwait(false);
            var stale = new List<RedisValue>();
            for (var i = 0; i < places.Length; i++)
            {
                var (record, fields) = (places[i], records[i]);
                if (fields is { Length: 0 } || (fields?.FirstOrDefault(e => e.Name == "created").Value is { IsNull: false } created
                    && TryReadTime(created, out var at) && at <= cutoff))
                {
                    // No live record (yet): its claim may be on its way.
                    continue;
                }

                // A record the reviewers' list leaves out (a key of another type, a creation time gone or not a number, a
                // review that cannot be read) is answered outcome-unknown and no reviewer can decide it: its place is free.
                if (fields is null || ReadReview(fields) is not { } review || review.CreatedAt.ToUnixTimeMilliseconds() <= cutoff
                    || review.StateAt(request.Now) != ReviewState.Pending)
                {
                    stale.Add(record);
                }
            }

            if (stale.Count == 0)
            {
                return false;
            }

            await db.SortedSetRemoveAsync(set, [.. stale]).ConfigureAwait(false);
        }
    }

    /// <remarks>A review id or record of another type answers not found (see <see cref="GetReviewAsync"/>).</remarks>
    public ValueTask<ReviewDecisionResult> DecideReviewAsync(ReviewDecisionRequest request, CancellationToken cancellationToken) =>
        DecideAsync(request, cancellationToken).OrWhenWrongType(new ReviewDecisionResult(ReviewDecisionStatus.NotFound, null));

    private async Task<ReviewDecisionResult> DecideAsync(ReviewDecisionRequest request, CancellationToken cancellationToken)
    {
        var db = Db;
        var record = await db.StringGetAsync(keys.Review(request.Id)).ConfigureAwait(false);
        if (record.IsNull)
        {
            return new ReviewDecisionResult(ReviewDecisionStatus.NotFound, null);
        }

        var key = (RedisKey)(string)record!;
        for (var attempt = 0; attempt < DecideAttempts; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var fields = await db.HashGetAllAsync(key).ConfigureAwait(false);
            var review = ReadReview(fields);
            if (review is null || review.Id != request.Id || review.CreatedAt <= request.Now - request.Retention)
            {
                return new ReviewDecisionResult(ReviewDecisionStatus.NotFound, null);
            }

            var (status, decided) = ReviewTransitions.Decide(review, request);
            if (status is not (ReviewDecisionStatus.Decided or ReviewDecisionStatus.ApprovalRecorded))
            {
                return new ReviewDecisionResult(status, review);
            }

            var transaction = db.CreateTransaction();
            transaction.AddCondition(Condition.HashEqual(key, "rv_id", request.Id));
            transaction.AddCondition(Condition.HashEqual(key, "rv_approvals", Field(fields, "rv_approvals")));
            transaction.AddCondition(Condition.HashEqual(key, "rv_mode", review.Mode));
            transaction.AddCondition(Condition.HashNotExists(key, "rv_decision"));
            transaction.AddCondition(Condition.HashNotExists(key, "rv_lapsed"));
            List<HashEntry> changes = [new("rv_approvals", StoredApprovals.Write(decided.Approvals)), new("updated", request.Now.ToUnixTimeMilliseconds())];
            if (decided.Decision is { } decision)
            {
                changes.Add(new("rv_decision", decision.Approved ? "1" : "0"));
                changes.Add(new("rv_by", decision.DecidedBy));
                changes.Add(new("rv_at", decision.DecidedAt.ToUnixTimeMilliseconds()));
                if (decision.Reason is { } reason)
                {
                    changes.Add(new("rv_reason", reason));
                }
            }

            _ = transaction.HashSetAsync(key, [.. changes]);
            if (await transaction.ExecuteAsync().ConfigureAwait(false))
            {
                if (decided.Decision is not null)
                {
                    // Decided: its place under the principal's limit is free (a place left by a lost command is freed
                    // when the limit is next reached, see PlacePendingReviewAsync).
                    _ = db.SortedSetRemoveAsync(keys.PendingReviews(review.Scope.Environment, review.Scope.Principal), key.ToString(), CommandFlags.FireAndForget);
                }

                return new ReviewDecisionResult(status, decided);
            }
        }

        throw new InvalidOperationException("The review kept changing while it was decided.");
    }

    /// <remarks>A review id or record of another type is no pending review to hand over (see <see cref="GetReviewAsync"/>).</remarks>
    public ValueTask<ReviewRecord?> HandOverReviewAsync(ReviewHandOverRequest request, CancellationToken cancellationToken) =>
        HandOverAsync(request, cancellationToken).OrWhenWrongType(null);

    private async Task<ReviewRecord?> HandOverAsync(ReviewHandOverRequest request, CancellationToken cancellationToken)
    {
        var db = Db;
        var record = await db.StringGetAsync(keys.Review(request.Id)).ConfigureAwait(false);
        if (record.IsNull)
        {
            return null;
        }

        var key = (RedisKey)(string)record!;
        for (var attempt = 0; attempt < DecideAttempts; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var review = ReadReview(await db.HashGetAllAsync(key).ConfigureAwait(false));
            if (review is null || review.Id != request.Id || review.CreatedAt <= request.Now - request.Retention
                || ReviewTransitions.HandOver(review, request) is not { } handed)
            {
                return null;
            }

            var transaction = db.CreateTransaction();
            transaction.AddCondition(Condition.HashEqual(key, "rv_id", request.Id));
            transaction.AddCondition(Condition.HashEqual(key, "rv_mode", review.Mode));
            transaction.AddCondition(Condition.HashNotExists(key, "rv_decision"));
            transaction.AddCondition(Condition.HashNotExists(key, "rv_lapsed"));
            _ = transaction.HashSetAsync(key,
                [new("rv_mode", handed.Mode), new("rv_required", handed.ApprovalsRequired), new("updated", request.Now.ToUnixTimeMilliseconds())]);
            if (await transaction.ExecuteAsync().ConfigureAwait(false))
            {
                return handed;
            }
        }

        throw new InvalidOperationException("The review kept changing while it was handed to reviewers.");
    }

    private async Task<ReviewRecord> ReadReviewAsync(RedisKey key) =>
        ReadReview(await Db.HashGetAllAsync(key).ConfigureAwait(false)) ?? throw new InvalidOperationException("The held record vanished after its claim.");

    /// <summary>The review a held record holds; null when its fields cannot be read (a record damaged by hand or by another program).</summary>
    private async Task<ReviewRecord?> TryReadHeldReviewAsync(RedisKey key) => await ReadHashAsync(Db, key).ConfigureAwait(false) switch
    {
        null => null,
        [] => throw new InvalidOperationException("The held record vanished after its claim."),
        var fields => ReadReview(fields),
    };

    /// <summary>
    /// The review a record's fields hold; null when they hold none, or one that cannot be read (damaged by hand or by
    /// another program: its id, mode, arguments, scope or required approvals gone, a number or a list that is not one).
    /// The claim, the admin list of keys and the reviewers' reads all judge a review by this one reading.
    /// </summary>
    private static ReviewRecord? ReadReview(HashEntry[] fields)
    {
        try
        {
            return ParseReview(fields);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or KeyNotFoundException or JsonException or IndexOutOfRangeException or ArgumentException)
        {
            return null;
        }
    }

    private static ReviewRecord? ParseReview(HashEntry[] fields)
    {
        if (fields.Length == 0)
        {
            return null;
        }

        var f = fields.ToDictionary(e => (string)e.Name!, e => (string?)e.Value, StringComparer.Ordinal);
        if (f.GetValueOrDefault("rv_id") is not { Length: > 0 } id || !f.ContainsKey("environment"))
        {
            return null;
        }

        var scope = new IdempotencyScope(f["environment"]!, f["connector"]!, f["principal"]!, f["tool"]!, f["key"]!);
        var approvals = StoredApprovals.Read(f.GetValueOrDefault("rv_approvals") ?? "[]");
        return new ReviewRecord(id, scope, f["fp"]!, f["rv_mode"]!, f["rv_args"]!, f["rv_corr"]!,
            DateTimeOffset.FromUnixTimeMilliseconds(Long(f, "created")), DateTimeOffset.FromUnixTimeMilliseconds(Long(f, "rv_expires")),
            int.Parse(f["rv_required"]!, CultureInfo.InvariantCulture))
        {
            Approvals = approvals,
            Decision = f.GetValueOrDefault("rv_decision") is { } d
                ? new ReviewDecision(d == "1", f.GetValueOrDefault("rv_by") ?? "", DateTimeOffset.FromUnixTimeMilliseconds(Long(f, "rv_at")), f.GetValueOrDefault("rv_reason"))
                : null,
            DefinitionSha256 = f.GetValueOrDefault("rv_def") is { Length: > 0 } definition ? definition : null,
            Lapsed = f.ContainsKey("rv_lapsed"),
        };
    }

    private static RedisValue Field(HashEntry[] fields, string name) => fields.FirstOrDefault(e => e.Name == name).Value;


    private static (long CreatedAt, string? Id) DecodeReviewCursor(string cursor)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
            var comma = text.IndexOf(',', StringComparison.Ordinal);
            if (comma > 0 && long.TryParse(text.AsSpan(0, comma), NumberStyles.None, CultureInfo.InvariantCulture, out var createdAt))
            {
                return (createdAt, text[(comma + 1)..]);
            }
        }
        catch (FormatException)
        {
        }

        throw new ArgumentException("The cursor is not one this store gave out.", nameof(cursor));
    }
}
