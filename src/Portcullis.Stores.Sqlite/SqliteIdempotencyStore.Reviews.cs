using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Portcullis.Core.Idempotency;
using Portcullis.Core.Review;

namespace Portcullis.Stores.Sqlite;

/// <summary>
/// Reviews: a held record is its review. Its columns say who must decide and by when; approvals and the decision
/// change in one <c>BEGIN IMMEDIATE</c> transaction each, so a review is decided once.
/// </summary>
internal sealed partial class SqliteIdempotencyStore
{
    private const string ReviewColumns =
        "environment, connector, principal, tool, key, fingerprint, review_id, review_mode, review_arguments, review_correlation_id, created_at, " +
        "review_expires_at, review_required, review_approvals, review_decision, review_decided_by, review_decided_at, review_reason, review_definition, review_lapsed";

    /// <summary>
    /// A held row whose review the claim can read, as <see cref="TryReadReview"/> judges it (SQLite keeps whatever it is
    /// given: a column set to NULL or to another type by hand or by another program). A held row without one is
    /// outcome-unknown to its claim, and so to the list of keys; the shape of the approvals' JSON only the reader judges.
    /// Never NULL (a comparison with a NULL column is), so NOT of it finds each such row. The times' bounds are those of
    /// a date (<see cref="DateTimeOffset.MinValue"/>, <see cref="DateTimeOffset.MaxValue"/>).
    /// </summary>
    private const string ReviewRead =
        "coalesce((typeof(review_id) = 'text' AND typeof(review_mode) = 'text' AND typeof(review_arguments) = 'text' AND typeof(review_correlation_id) = 'text' " +
        "AND typeof(review_required) = 'integer' AND review_required BETWEEN -2147483648 AND 2147483647 " +
        "AND typeof(review_approvals) = 'text' AND json_valid(review_approvals) " +
        "AND typeof(created_at) = 'integer' AND created_at BETWEEN -62135596800000 AND 253402300799999 " +
        "AND typeof(review_expires_at) = 'integer' AND review_expires_at BETWEEN -62135596800000 AND 253402300799999 " +
        "AND (review_decision IS NULL OR (typeof(review_decision) = 'integer' AND typeof(review_decided_by) = 'text' " +
        "AND typeof(review_decided_at) = 'integer' AND review_decided_at BETWEEN -62135596800000 AND 253402300799999))), false)";

    private static readonly (string Column, string Type)[] ReviewColumnTypes =
    [
        ("review_id", "TEXT"), ("review_mode", "TEXT"), ("review_arguments", "TEXT"), ("review_correlation_id", "TEXT"),
        ("review_expires_at", "INTEGER"), ("review_required", "INTEGER"), ("review_approvals", "TEXT"), ("review_decision", "INTEGER"),
        ("review_decided_by", "TEXT"), ("review_decided_at", "INTEGER"), ("review_reason", "TEXT"), ("review_definition", "TEXT"),
        ("review_lapsed", "INTEGER"),
    ];

    public async ValueTask<ReviewRecord?> GetReviewAsync(string id, DateTimeOffset now, TimeSpan retention, CancellationToken cancellationToken)
    {
        await Task.Yield();
        using var connection = Open();
        return ReadReview(connection, null, id, now - retention);
    }

    public async ValueTask<ReviewPage> ListReviewsAsync(ReviewListRequest request, CancellationToken cancellationToken)
    {
        await Task.Yield();
        using var connection = Open();
        using var select = connection.CreateCommand();
        var where = new StringBuilder("review_id IS NOT NULL AND created_at > $cutoff");
        select.Parameters.AddWithValue("$cutoff", (request.Now - request.Retention).ToUnixTimeMilliseconds());
        select.Parameters.AddWithValue("$now", request.Now.ToUnixTimeMilliseconds());
        where.Append(request.State switch
        {
            ReviewState.Pending => " AND review_decision IS NULL AND review_expires_at > $now AND review_lapsed IS NULL",
            ReviewState.Expired => " AND review_decision IS NULL AND (review_expires_at <= $now OR review_lapsed IS NOT NULL)",
            ReviewState.Approved => " AND review_decision = 1",
            ReviewState.Denied => " AND review_decision = 0",
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
                where.Append($" AND {column} = ${name}");
                select.Parameters.AddWithValue("$" + name, value);
            }
        }

        if (request.Cursor is { } cursor)
        {
            var (createdAt, id) = DecodeReviewCursor(cursor);
            where.Append(" AND (created_at > $c_created OR (created_at = $c_created AND review_id > $c_id))");
            select.Parameters.AddWithValue("$c_created", createdAt);
            select.Parameters.AddWithValue("$c_id", id);
        }

        select.CommandText = $"SELECT {ReviewColumns} FROM idempotency WHERE {where} ORDER BY created_at, review_id LIMIT $limit";
        select.Parameters.AddWithValue("$limit", request.Limit + 1);
        var reviews = new List<ReviewRecord>(request.Limit);
        string? next = null;
        var rows = 0;
        (long CreatedAt, string Id)? lastRow = null;
        using var reader = select.ExecuteReader();
        while (reader.Read())
        {
            rows++;
            if (reviews.Count == request.Limit)
            {
                var last = reviews[^1];
                next = ReviewCursor(last.CreatedAt.ToUnixTimeMilliseconds(), last.Id);
                break;
            }

            lastRow = reader.GetFieldType(10) == typeof(long) ? (reader.GetInt64(10), reader.GetString(6)) : null;
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

    public ValueTask<ReviewDecisionResult> DecideReviewAsync(ReviewDecisionRequest request, CancellationToken cancellationToken) =>
        new(_writes.WriteAsync((connection, transaction) =>
        {
            var review = ReadReview(connection, transaction, request.Id, request.Now - request.Retention);
            if (review is null)
            {
                return new ReviewDecisionResult(ReviewDecisionStatus.NotFound, null);
            }

            var (status, decided) = ReviewTransitions.Decide(review, request);
            if (status is not (ReviewDecisionStatus.Decided or ReviewDecisionStatus.ApprovalRecorded))
            {
                return new ReviewDecisionResult(status, review);
            }

            using var update = connection.CreateCommand();
            update.Transaction = transaction;
            update.CommandText = """
                UPDATE idempotency SET review_approvals = $approvals, review_decision = $decision, review_decided_by = $by,
                    review_decided_at = $at, review_reason = $reason, updated_at = $at
                WHERE review_id = $id AND review_decision IS NULL AND review_lapsed IS NULL
                """;
            update.Parameters.AddWithValue("$id", request.Id);
            update.Parameters.AddWithValue("$approvals", StoredApprovals.Write(decided.Approvals));
            update.Parameters.AddWithValue("$decision", decided.Decision is { } d ? (d.Approved ? 1 : 0) : DBNull.Value);
            update.Parameters.AddWithValue("$by", (object?)decided.Decision?.DecidedBy ?? DBNull.Value);
            update.Parameters.AddWithValue("$at", request.Now.ToUnixTimeMilliseconds());
            update.Parameters.AddWithValue("$reason", (object?)decided.Decision?.Reason ?? DBNull.Value);
            update.ExecuteNonQuery();
            return new ReviewDecisionResult(status, decided);
        }, cancellationToken));

    public ValueTask<ReviewRecord?> HandOverReviewAsync(ReviewHandOverRequest request, CancellationToken cancellationToken) =>
        new(_writes.WriteAsync((connection, transaction) =>
        {
            if (ReadReview(connection, transaction, request.Id, request.Now - request.Retention) is not { } review
                || ReviewTransitions.HandOver(review, request) is not { } handed)
            {
                return null;
            }

            using var update = connection.CreateCommand();
            update.Transaction = transaction;
            update.CommandText = """
                UPDATE idempotency SET review_mode = $mode, review_required = $required, updated_at = $now
                WHERE review_id = $id AND review_decision IS NULL AND review_lapsed IS NULL
                """;
            update.Parameters.AddWithValue("$id", request.Id);
            update.Parameters.AddWithValue("$mode", handed.Mode);
            update.Parameters.AddWithValue("$required", handed.ApprovalsRequired);
            update.Parameters.AddWithValue("$now", request.Now.ToUnixTimeMilliseconds());
            update.ExecuteNonQuery();
            return handed;
        }, cancellationToken));

    /// <summary>
    /// How many reviews the request's principal has pending in its environment, counted in the claim's own transaction
    /// (the store's one writer), so that no two holds can both take the last place under the limit. Exactly the ones the
    /// reviewers' list shows pending: a held row whose review cannot be read (<see cref="TryReadReview"/>) is answered
    /// outcome-unknown and no reviewer can see or decide it, so it takes no place. The columns are judged here
    /// (<see cref="ReviewRead"/>); the approvals, whose shape only the reader judges, by the reader's own code, once for
    /// each distinct list (most pending reviews have none).
    /// </summary>
    private static long PendingReviews(SqliteConnection connection, SqliteTransaction transaction, IdempotencyClaimRequest request)
    {
        using var count = connection.CreateCommand();
        count.Transaction = transaction;
        count.CommandText = $"""
            SELECT CASE WHEN review_approvals = '[]' THEN NULL ELSE review_approvals END, COUNT(*) FROM idempotency
            WHERE environment = $environment AND principal = $principal AND review_id IS NOT NULL AND review_decision IS NULL
                AND review_expires_at > $now AND review_lapsed IS NULL AND created_at > $cutoff AND {ReviewRead}
            GROUP BY 1
            """;
        count.Parameters.AddWithValue("$environment", request.Scope.Environment);
        count.Parameters.AddWithValue("$principal", request.Scope.Principal);
        count.Parameters.AddWithValue("$now", request.Now.ToUnixTimeMilliseconds());
        count.Parameters.AddWithValue("$cutoff", (request.Now - request.Retention).ToUnixTimeMilliseconds());
        var pending = 0L;
        using var reader = count.ExecuteReader();
        while (reader.Read())
        {
            if (reader.IsDBNull(0) || StoredApprovals.TryRead(reader.GetString(0)) is not null)
            {
                pending += reader.GetInt64(1);
            }
        }

        return pending;
    }

    /// <summary>Inserts the held record of a new review (the caller's transaction found the key free).</summary>
    private static void InsertHold(SqliteConnection connection, SqliteTransaction transaction, IdempotencyClaimRequest request, ReviewHold hold)
    {
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = $"""
            INSERT OR REPLACE INTO idempotency
                (environment, connector, principal, tool, key, fingerprint, state, token, correlation_id, created_at, lease_expires_at, updated_at, result,
                 resolved_executed, resolved_by, resolved_at, resolution_note,
                 review_id, review_mode, review_arguments, review_correlation_id, review_expires_at, review_required, review_approvals,
                 review_decision, review_decided_by, review_decided_at, review_reason, review_definition)
            VALUES ($environment, $connector, $principal, $tool, $key, $fingerprint, {AwaitingReview}, '', $correlation, $now, $now, $now, NULL,
                    NULL, NULL, NULL, NULL,
                    $review, $mode, $arguments, $correlation, $expires, $required, '[]', NULL, NULL, NULL, NULL, $definition)
            """;
        Bind(insert, request.Scope);
        insert.Parameters.AddWithValue("$fingerprint", request.Fingerprint);
        insert.Parameters.AddWithValue("$correlation", request.CorrelationId);
        insert.Parameters.AddWithValue("$now", request.Now.ToUnixTimeMilliseconds());
        insert.Parameters.AddWithValue("$review", hold.Id);
        insert.Parameters.AddWithValue("$mode", hold.Mode);
        insert.Parameters.AddWithValue("$arguments", hold.ArgumentsJson);
        insert.Parameters.AddWithValue("$expires", hold.ExpiresAt.ToUnixTimeMilliseconds());
        insert.Parameters.AddWithValue("$required", hold.ApprovalsRequired);
        insert.Parameters.AddWithValue("$definition", hold.DefinitionSha256);
        insert.ExecuteNonQuery();
    }

    /// <summary>
    /// A held record found by a claim: approved becomes this call's in-progress claim (in the caller's transaction, so
    /// once); otherwise it answers with its review's state.
    /// </summary>
    private static ClaimResult JudgeHold(SqliteConnection connection, SqliteTransaction transaction, IdempotencyClaimRequest request, string correlationId)
    {
        if (ReadReview(connection, transaction, scope: request.Scope) is not { } review)
        {
            // A hold whose review cannot be read (damaged by hand or by another program): whether its call was decided,
            // or ran, cannot be told, so the key is neither run nor held again; it is listed outcome-unknown alike.
            return ClaimResult.OutcomeUnknown(correlationId);
        }

        var status = ReviewTransitions.Judge(review, request);
        if (ReviewTransitions.Lapses(review, status))
        {
            // In the claim's own transaction: the answer and the mark are one step.
            using var lapse = connection.CreateCommand();
            lapse.Transaction = transaction;
            lapse.CommandText = $"UPDATE idempotency SET review_lapsed = 1 WHERE {Key} AND review_id = $review";
            Bind(lapse, request.Scope);
            lapse.Parameters.AddWithValue("$review", review.Id);
            lapse.ExecuteNonQuery();
            review = review with { Lapsed = true };
        }

        if (status != ClaimStatus.Claimed)
        {
            return ClaimResult.Held(status, review);
        }

        var token = request.Token;
        using var update = connection.CreateCommand();
        update.Transaction = transaction;
        update.CommandText = $"""
            UPDATE idempotency SET state = {InProgress}, token = $token, correlation_id = $correlation, lease_expires_at = $lease, updated_at = $now
            WHERE {Key} AND state = {AwaitingReview} AND review_decision = 1 AND review_lapsed IS NULL
            """;
        Bind(update, request.Scope);
        update.Parameters.AddWithValue("$token", token);
        update.Parameters.AddWithValue("$correlation", request.CorrelationId);
        update.Parameters.AddWithValue("$lease", (request.Now + request.Lease).ToUnixTimeMilliseconds());
        update.Parameters.AddWithValue("$now", request.Now.ToUnixTimeMilliseconds());
        update.ExecuteNonQuery();
        return ClaimResult.Claimed(token, review);
    }

    private static ReviewRecord? ReadReview(SqliteConnection connection, SqliteTransaction? transaction, string? id = null, DateTimeOffset? cutoff = null, IdempotencyScope? scope = null)
    {
        using var select = connection.CreateCommand();
        select.Transaction = transaction;
        if (scope is not null)
        {
            select.CommandText = $"SELECT {ReviewColumns} FROM idempotency WHERE {Key} AND review_id IS NOT NULL";
            Bind(select, scope);
        }
        else
        {
            select.CommandText = $"SELECT {ReviewColumns} FROM idempotency WHERE review_id = $id AND created_at > $cutoff";
            select.Parameters.AddWithValue("$id", id);
            select.Parameters.AddWithValue("$cutoff", cutoff!.Value.ToUnixTimeMilliseconds());
        }

        using var reader = select.ExecuteReader();
        return reader.Read() ? TryReadReview(reader, 0) : null;
    }

    /// <summary>
    /// The review of a row's <see cref="ReviewColumns"/> from <paramref name="o"/> on; null when the row holds none that
    /// can be read (damaged by hand or by another program: its mode, arguments, correlation id, deadline, required
    /// approvals or approvals gone or of another type, a time no date can hold, approvals that are not a list of
    /// reviewer and time). The claim, the list of keys and the reviewers' reads all judge a review by this one reading.
    /// </summary>
    private static ReviewRecord? TryReadReview(SqliteDataReader r, int o)
    {
        if (!Holds(r, o + 6, typeof(string)) || !Holds(r, o + 7, typeof(string)) || !Holds(r, o + 8, typeof(string)) || !Holds(r, o + 9, typeof(string))
            || !Holds(r, o + 10, typeof(long)) || !Holds(r, o + 11, typeof(long)) || !Holds(r, o + 12, typeof(long)) || !Holds(r, o + 13, typeof(string))
            || (!r.IsDBNull(o + 14) && (!Holds(r, o + 14, typeof(long)) || !Holds(r, o + 15, typeof(string)) || !Holds(r, o + 16, typeof(long)))))
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




    private static bool Holds(SqliteDataReader r, int ordinal, Type type) => !r.IsDBNull(ordinal) && r.GetFieldType(ordinal) == type;

    private static ReviewRecord ReadReview(SqliteDataReader r, int o)
    {
        var scope = new IdempotencyScope(r.GetString(o), r.GetString(o + 1), r.GetString(o + 2), r.GetString(o + 3), r.GetString(o + 4));
        var approvals = StoredApprovals.Read(r.GetString(o + 13));
        return new ReviewRecord(r.GetString(o + 6), scope, r.GetString(o + 5), r.GetString(o + 7), r.GetString(o + 8), r.GetString(o + 9),
            DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(o + 10)), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(o + 11)), checked((int)r.GetInt64(o + 12)))
        {
            Approvals = approvals,
            Decision = r.IsDBNull(o + 14)
                ? null
                : new ReviewDecision(r.GetInt64(o + 14) != 0, r.GetString(o + 15), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(o + 16)), r.IsDBNull(o + 17) ? null : r.GetString(o + 17)),
            DefinitionSha256 = r.IsDBNull(o + 18) ? null : r.GetString(o + 18),
            Lapsed = !r.IsDBNull(o + 19) && r.GetInt64(o + 19) != 0,
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
