using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;
using Portcullis.Core.Idempotency;
using Portcullis.Core.State;
using Portcullis.Core.Review;

namespace Portcullis.Stores.Postgres;

/// <summary>
/// Reviews: a held record (state 3) is its review. Holding is the claim's conditional insert; taking an approved
/// hold is one conditional <c>UPDATE</c> (one winner under the row lock); a decision is a <c>SELECT … FOR UPDATE</c>
/// and an <c>UPDATE</c> in one transaction, so a review is decided once.
/// </summary>
internal sealed partial class PostgresIdempotencyStore
{
    private const string ReviewColumns =
        "environment, connector, principal, tool, key, fingerprint, review_id, review_mode, review_arguments, review_correlation_id, created_at, " +
        "review_expires_at, review_required, review_approvals, review_decision, review_decided_by, review_decided_at, review_reason, review_definition, review_lapsed";

    /// <summary>
    /// A held row whose review the claim can read, as <see cref="TryReadReview"/> judges it (a column set to NULL by hand or
    /// by another program, a time no date can hold). A held row without one is outcome-unknown to its claim, and so to the
    /// list of keys; the approvals' JSON only the reader judges. Never NULL (a comparison with a NULL column is), so NOT
    /// of it finds each such row. The times' bounds are those of a date
    /// (<see cref="DateTimeOffset.MinValue"/>, <see cref="DateTimeOffset.MaxValue"/>).
    /// </summary>
    private const string ReviewRead =
        "coalesce((review_id IS NOT NULL AND review_mode IS NOT NULL AND review_arguments IS NOT NULL AND review_correlation_id IS NOT NULL " +
        "AND review_required IS NOT NULL AND review_approvals IS NOT NULL AND created_at BETWEEN -62135596800000 AND 253402300799999 " +
        "AND review_expires_at BETWEEN -62135596800000 AND 253402300799999 " +
        "AND (review_decision IS NULL OR (review_decided_by IS NOT NULL AND review_decided_at BETWEEN -62135596800000 AND 253402300799999))), false)";

    private const string HoldSql = """
        INSERT INTO portcullis_idempotency AS r
            (environment, connector, principal, tool, key, fingerprint, state, token, correlation_id, owner, created_at, lease_expires_at, updated_at, result,
             review_id, review_mode, review_arguments, review_correlation_id, review_expires_at, review_required, review_approvals, review_definition)
        VALUES (@environment, @connector, @principal, @tool, @key, @fingerprint, 3, '', @correlation, @owner, @now, @now, @now, NULL,
                @review, @mode, @arguments, @correlation, @expires, @required, '[]', @definition)
        ON CONFLICT (environment, connector, principal, tool, key) DO UPDATE
        SET fingerprint = EXCLUDED.fingerprint, state = 3, token = '', correlation_id = EXCLUDED.correlation_id, owner = EXCLUDED.owner,
            created_at = EXCLUDED.created_at, lease_expires_at = EXCLUDED.lease_expires_at, updated_at = EXCLUDED.updated_at, result = NULL,
            resolved_executed = NULL, resolved_by = NULL, resolved_at = NULL, resolution_note = NULL,
            review_id = EXCLUDED.review_id, review_mode = EXCLUDED.review_mode, review_arguments = EXCLUDED.review_arguments,
            review_correlation_id = EXCLUDED.review_correlation_id, review_expires_at = EXCLUDED.review_expires_at,
            review_required = EXCLUDED.review_required, review_approvals = '[]', review_decision = NULL, review_decided_by = NULL,
            review_decided_at = NULL, review_reason = NULL, review_definition = EXCLUDED.review_definition, review_lapsed = NULL
        WHERE r.created_at <= @expired
        RETURNING review_id
        """;

    /// <summary>
    /// The principal's pending reviews, exactly those the reviewers' list shows (a held row whose review cannot be read is
    /// answered outcome-unknown, and no reviewer can see or decide it: it takes no place): those without approvals, and the
    /// distinct lists of approvals of the others, which only the reader judges (<see cref="StoredApprovals.TryRead"/>), with how
    /// many hold each; and whether a live record holds the key (a hold of it committed meanwhile).
    /// </summary>
    private const string PendingReviewsSql = $$"""
        WITH pending AS (
            SELECT review_approvals FROM portcullis_idempotency
            WHERE environment = $1 AND principal = $2 AND review_id IS NOT NULL AND review_decision IS NULL
                AND review_expires_at > $3 AND review_lapsed IS NULL AND created_at > $4 AND {{ReviewRead}}),
        lists AS (SELECT review_approvals, count(*) AS n FROM pending WHERE review_approvals <> '[]' GROUP BY review_approvals)
        SELECT
            (SELECT count(*) FROM pending WHERE review_approvals = '[]'),
            EXISTS (SELECT 1 FROM portcullis_idempotency
             WHERE environment = $1 AND connector = $5 AND principal = $2 AND tool = $6 AND key = $7 AND created_at > $4),
            (SELECT coalesce(array_agg(review_approvals ORDER BY review_approvals), '{}'::text[]) FROM lists),
            (SELECT coalesce(array_agg(n ORDER BY review_approvals), '{}'::bigint[]) FROM lists)
        """;

    /// <remarks>
    /// Bounded (<see cref="PostgresDeadline"/>), as every review operation: a reviewer, the console or a held call waits on
    /// it, and a frozen server is answered <c>state_unavailable</c> (the admin API's 503) within the bound.
    /// </remarks>
    public ValueTask<ReviewRecord?> GetReviewAsync(string id, DateTimeOffset now, TimeSpan retention, CancellationToken cancellationToken) =>
        _deadline.RunAsync(ct => GetReviewUnboundedAsync(id, now, retention, ct), cancellationToken);

    private async ValueTask<ReviewRecord?> GetReviewUnboundedAsync(string id, DateTimeOffset now, TimeSpan retention, CancellationToken cancellationToken)
    {
        await using var select = dataSource.CreateCommand($"SELECT {ReviewColumns} FROM portcullis_idempotency WHERE review_id = @id AND created_at > @cutoff");
        select.Parameters.AddWithValue("id", id);
        select.Parameters.AddWithValue("cutoff", (now - retention).ToUnixTimeMilliseconds());
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? TryReadReview(reader, 0) : null;
    }

    /// <remarks>A page of at most 501 rows in the reviews' own index, bounded as a decision is (not a maintenance statement).</remarks>
    public ValueTask<ReviewPage> ListReviewsAsync(ReviewListRequest request, CancellationToken cancellationToken) =>
        _deadline.RunAsync(ct => ListReviewsUnboundedAsync(request, ct), cancellationToken);

    private async ValueTask<ReviewPage> ListReviewsUnboundedAsync(ReviewListRequest request, CancellationToken cancellationToken)
    {
        await using var select = dataSource.CreateCommand();
        var where = new StringBuilder("review_id IS NOT NULL AND created_at > @cutoff");
        select.Parameters.AddWithValue("cutoff", (request.Now - request.Retention).ToUnixTimeMilliseconds());
        select.Parameters.AddWithValue("now", request.Now.ToUnixTimeMilliseconds());
        where.Append(request.State switch
        {
            ReviewState.Pending => " AND review_decision IS NULL AND review_expires_at > @now AND review_lapsed IS NULL",
            ReviewState.Expired => " AND review_decision IS NULL AND (review_expires_at <= @now OR review_lapsed IS NOT NULL)",
            ReviewState.Approved => " AND review_decision = true",
            ReviewState.Denied => " AND review_decision = false",
            _ => "",
        });
        foreach (var (column, name, value) in new[]
        {
            ("environment", "environment", request.Environment), ("connector", "connector", request.Connector), ("tool", "tool", request.Tool),
            (PrincipalSubject, "subject", request.Subject), (PrincipalClientId, "client_id", request.ClientId),
        })
        {
            if (value is not null)
            {
                where.Append($" AND {column} = @{name}");
                select.Parameters.AddWithValue(name, value);
            }
        }

        if (request.Cursor is { } cursor)
        {
            var (createdAt, id) = DecodeReviewCursor(cursor);
            where.Append(" AND (created_at, review_id) > (@c_created, @c_id)");
            select.Parameters.AddWithValue("c_created", createdAt);
            select.Parameters.AddWithValue("c_id", id);
        }

        select.CommandText = $"SELECT {ReviewColumns} FROM portcullis_idempotency WHERE {where} ORDER BY created_at, review_id LIMIT @limit";
        select.Parameters.AddWithValue("limit", request.Limit + 1);
        var reviews = new List<ReviewRecord>(request.Limit);
        string? next = null;
        var rows = 0;
        (long CreatedAt, string Id)? lastRow = null;
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows++;
            if (reviews.Count == request.Limit)
            {
                var last = reviews[^1];
                next = ReviewCursor(last.CreatedAt.ToUnixTimeMilliseconds(), last.Id);
                break;
            }

            lastRow = (reader.GetInt64(10), reader.GetString(6));
            // A review no claim can read (damaged by hand or by another program) is no reviewer's to decide: its key is
            // listed outcome-unknown, and the list goes on without it instead of failing for every reviewer.
            if (TryReadReview(reader, 0) is { } review)
            {
                reviews.Add(review);
            }
        }

        // Rows skipped filled the page short: the next one starts after the last row read.
        return new ReviewPage(reviews, next ?? (rows > request.Limit && lastRow is { } row ? ReviewCursor(row.CreatedAt, row.Id) : null));
    }

    /// <remarks>
    /// Past the bound the caller is answered <see cref="TimeoutException"/> and the transaction sends nothing more, so a
    /// decision is not committed after its caller was told the store did not answer; only a commit already sent may still
    /// be applied by a server that wakes (a retried decision then answers that the review was already decided).
    /// </remarks>
    public ValueTask<ReviewDecisionResult> DecideReviewAsync(ReviewDecisionRequest request, CancellationToken cancellationToken) =>
        _deadline.RunAsync(ct => DecideReviewUnboundedAsync(request, ct), cancellationToken);

    private async ValueTask<ReviewDecisionResult> DecideReviewUnboundedAsync(ReviewDecisionRequest request, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var review = await LockReviewAsync(connection, transaction, request.Id, request.Now - request.Retention, cancellationToken).ConfigureAwait(false);

        if (review is null)
        {
            return new ReviewDecisionResult(ReviewDecisionStatus.NotFound, null);
        }

        var (status, decided) = ReviewTransitions.Decide(review, request);
        if (status is not (ReviewDecisionStatus.Decided or ReviewDecisionStatus.ApprovalRecorded))
        {
            return new ReviewDecisionResult(status, review);
        }

        await using (var update = new NpgsqlCommand("""
            UPDATE portcullis_idempotency SET review_approvals = @approvals, review_decision = @decision, review_decided_by = @by,
                review_decided_at = @at, review_reason = @reason, updated_at = @at
            WHERE review_id = @id AND review_decision IS NULL AND review_lapsed IS NULL
            """, connection, transaction))
        {
            update.Parameters.AddWithValue("id", request.Id);
            update.Parameters.AddWithValue("approvals", StoredApprovals.Write(decided.Approvals));
            update.Parameters.Add(new NpgsqlParameter<bool?>("decision", decided.Decision?.Approved));
            update.Parameters.Add(new NpgsqlParameter<string?>("by", decided.Decision?.DecidedBy));
            update.Parameters.AddWithValue("at", request.Now.ToUnixTimeMilliseconds());
            update.Parameters.Add(new NpgsqlParameter<string?>("reason", decided.Decision?.Reason));
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new ReviewDecisionResult(status, decided);
    }

    public ValueTask<ReviewRecord?> HandOverReviewAsync(ReviewHandOverRequest request, CancellationToken cancellationToken) =>
        _deadline.RunAsync(ct => HandOverReviewUnboundedAsync(request, ct), cancellationToken);

    private async ValueTask<ReviewRecord?> HandOverReviewUnboundedAsync(ReviewHandOverRequest request, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var review = await LockReviewAsync(connection, transaction, request.Id, request.Now - request.Retention, cancellationToken).ConfigureAwait(false);

        if (review is null || ReviewTransitions.HandOver(review, request) is not { } handed)
        {
            return null;
        }

        await using (var update = new NpgsqlCommand("""
            UPDATE portcullis_idempotency SET review_mode = @mode, review_required = @required, updated_at = @now
            WHERE review_id = @id AND review_decision IS NULL AND review_lapsed IS NULL
            """, connection, transaction))
        {
            update.Parameters.AddWithValue("id", request.Id);
            update.Parameters.AddWithValue("mode", handed.Mode);
            update.Parameters.AddWithValue("required", handed.ApprovalsRequired);
            update.Parameters.AddWithValue("now", request.Now.ToUnixTimeMilliseconds());
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return handed;
    }

    /// <summary>The review with this id, its row locked until <paramref name="transaction"/> ends; null when absent or held before <paramref name="cutoff"/>.</summary>
    private static async Task<ReviewRecord?> LockReviewAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string id, DateTimeOffset cutoff,
        CancellationToken cancellationToken)
    {
        await using var select = new NpgsqlCommand(
            $"SELECT {ReviewColumns} FROM portcullis_idempotency WHERE review_id = @id AND created_at > @cutoff FOR UPDATE", connection, transaction);
        select.Parameters.AddWithValue("id", id);
        select.Parameters.AddWithValue("cutoff", cutoff.ToUnixTimeMilliseconds());
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? TryReadReview(reader, 0) : null;
    }

    /// <summary>
    /// Holds the free key for review unless its principal has <see cref="ReviewHold.MaxPendingPerPrincipal"/> reviews
    /// pending already (false, nothing written). The count and the insert are one transaction under the principal's
    /// advisory lock, so two replicas holding at once cannot both take the last place under the limit. A key held
    /// meanwhile (by a racing claim of the same call, under the same lock) is no refusal: nothing is written, and the
    /// caller reads the key again, as after any hold.
    /// </summary>
    private async Task<bool> HoldAsync(NpgsqlConnection connection, IdempotencyClaimRequest request, ReviewHold hold, long expired, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // The lock first, in a statement of its own: the count's snapshot is taken after it, so it sees every hold
        // committed by the lock's previous holder.
        await using (var count = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock($1)") { Parameters = { new() { Value = PrincipalLock(request.Scope) } } },
                new NpgsqlBatchCommand(PendingReviewsSql)
                {
                    Parameters =
                    {
                        new() { Value = request.Scope.Environment },
                        new() { Value = request.Scope.Principal },
                        new() { Value = request.Now.ToUnixTimeMilliseconds() },
                        new() { Value = expired },
                        new() { Value = request.Scope.Connector },
                        new() { Value = request.Scope.Tool },
                        new() { Value = request.Scope.Key },
                    },
                },
            },
        })
        {
            await using var reader = await count.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var pending = reader.GetInt64(0);
            var (lists, holding) = (reader.GetFieldValue<string[]>(2), reader.GetFieldValue<long[]>(3));
            for (var i = 0; i < lists.Length; i++)
            {
                pending += StoredApprovals.TryRead(lists[i]) is null ? 0 : holding[i];
            }

            if (pending >= hold.MaxPendingPerPrincipal && !reader.GetBoolean(1))
            {
                return false;
            }
        }

        await using var insert = new NpgsqlCommand(HoldSql, connection, transaction);
        Bind(insert, request.Scope);
        insert.Parameters.AddWithValue("fingerprint", request.Fingerprint);
        insert.Parameters.AddWithValue("correlation", request.CorrelationId);
        insert.Parameters.AddWithValue("owner", replica.Owner);
        insert.Parameters.AddWithValue("now", request.Now.ToUnixTimeMilliseconds());
        insert.Parameters.AddWithValue("review", hold.Id);
        insert.Parameters.AddWithValue("mode", hold.Mode);
        insert.Parameters.AddWithValue("arguments", hold.ArgumentsJson);
        insert.Parameters.AddWithValue("expires", hold.ExpiresAt.ToUnixTimeMilliseconds());
        insert.Parameters.AddWithValue("required", hold.ApprovalsRequired);
        insert.Parameters.AddWithValue("definition", hold.DefinitionSha256);
        insert.Parameters.AddWithValue("expired", expired);
        // Held or not, the next read answers: with this hold, or with the record that won the race.
        await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>The advisory lock of one principal's pending reviews: the first 8 bytes of the SHA-256 of its environment and principal.</summary>
    private static long PrincipalLock(IdempotencyScope scope) =>
        BinaryPrimitives.ReadInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes($"pending-reviews:{scope.Environment.Length}:{scope.Environment}:{scope.Principal}")));

    /// <summary>
    /// Marks the review a claim judged expired as <see cref="ReviewRecord.Lapsed"/>, while the key still holds it as read
    /// (held, and decided as it was: a decision or a take that got there first is answered instead, from a new read).
    /// </summary>
    private async Task<bool> TryLapseAsync(NpgsqlConnection connection, IdempotencyScope scope, ReviewRecord review, CancellationToken cancellationToken)
    {
        await using var update = new NpgsqlCommand($"""
            UPDATE portcullis_idempotency SET review_lapsed = true
            WHERE {Key} AND state = {AwaitingReview} AND review_id = @review AND review_decision IS NOT DISTINCT FROM @decision
            """, connection);
        Bind(update, scope);
        update.Parameters.AddWithValue("review", review.Id);
        update.Parameters.Add(new NpgsqlParameter<bool?>("decision", review.Decision?.Approved));
        return await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>Approved → in progress, exactly once: the conditional update has one winner under the row lock.</summary>
    private async Task<string?> TryTakeApprovedAsync(NpgsqlConnection connection, IdempotencyClaimRequest request, string reviewId, CancellationToken cancellationToken)
    {
        var token = request.Token;
        await using var update = new NpgsqlCommand($"""
            UPDATE portcullis_idempotency SET state = {InProgress}, token = @token, correlation_id = @correlation, owner = @owner,
                lease_expires_at = @lease, updated_at = @now
            WHERE {Key} AND state = {AwaitingReview} AND review_decision = true AND review_id = @review AND fingerprint = @fingerprint
                AND review_lapsed IS NULL
            """, connection);
        update.Parameters.AddWithValue("review", reviewId);
        update.Parameters.AddWithValue("fingerprint", request.Fingerprint);
        Bind(update, request.Scope);
        update.Parameters.AddWithValue("token", token);
        update.Parameters.AddWithValue("correlation", request.CorrelationId);
        update.Parameters.AddWithValue("owner", replica.Owner);
        update.Parameters.AddWithValue("lease", (request.Now + request.Lease).ToUnixTimeMilliseconds());
        update.Parameters.AddWithValue("now", request.Now.ToUnixTimeMilliseconds());
        return await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1 ? token : null;
    }

    /// <summary>
    /// The review of a row's <see cref="ReviewColumns"/> from <paramref name="o"/> on; null when the row holds none that
    /// can be read (damaged by hand or by another program: its mode, arguments, correlation id, deadline, required
    /// approvals or approvals gone, a time no date can hold, approvals that are not a list of reviewer and time). The
    /// claim, the list of keys and the reviewers' reads all judge a review by this one reading.
    /// </summary>
    private static ReviewRecord? TryReadReview(NpgsqlDataReader r, int o)
    {
        if (Enumerable.Range(o + 6, 8).Any(r.IsDBNull) || (!r.IsDBNull(o + 14) && (r.IsDBNull(o + 15) || r.IsDBNull(o + 16))))
        {
            return null;
        }

        try
        {
            return ReadReview(r, o);
        }
        catch (Exception ex) when (StoredApprovals.CannotRead(ex))
        {
            return null;
        }
    }




    private static ReviewRecord ReadReview(NpgsqlDataReader r, int o)
    {
        var scope = new IdempotencyScope(r.GetString(o), r.GetString(o + 1), r.GetString(o + 2), r.GetString(o + 3), r.GetString(o + 4));
        var approvals = StoredApprovals.Read(r.GetString(o + 13));
        return new ReviewRecord(r.GetString(o + 6), scope, r.GetString(o + 5), r.GetString(o + 7), r.GetString(o + 8), r.GetString(o + 9),
            DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(o + 10)), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(o + 11)), r.GetInt32(o + 12))
        {
            Approvals = approvals,
            Decision = r.IsDBNull(o + 14)
                ? null
                : new ReviewDecision(r.GetBoolean(o + 14), r.GetString(o + 15), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(o + 16)), r.IsDBNull(o + 17) ? null : r.GetString(o + 17)),
            DefinitionSha256 = r.IsDBNull(o + 18) ? null : r.GetString(o + 18),
            Lapsed = !r.IsDBNull(o + 19) && r.GetBoolean(o + 19),
        };
    }

    private static string ReviewCursor(long createdAt, string id) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(createdAt.ToString(CultureInfo.InvariantCulture) + "," + id));


    private static (long CreatedAt, string Id) DecodeReviewCursor(string cursor)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
            var comma = text.IndexOf(',', StringComparison.Ordinal);
            if (comma > 0 && StoredText.IsStorable(text) && long.TryParse(text.AsSpan(0, comma), NumberStyles.None, CultureInfo.InvariantCulture, out var createdAt))
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
