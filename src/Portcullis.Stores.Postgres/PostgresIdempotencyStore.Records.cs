using System.Globalization;
using System.Text;
using System.Text.Json;
using Npgsql;
using Portcullis.Core.Idempotency;
using Portcullis.Core.State;

namespace Portcullis.Stores.Postgres;

/// <summary>What operators need: one key, lists by state, and settling an outcome-unknown key (one statement each).</summary>
internal sealed partial class PostgresIdempotencyStore
{
    private const string RecordColumns =
        "environment, connector, principal, tool, key, fingerprint, state, correlation_id, created_at, updated_at, lease_expires_at, " +
        "resolved_executed, resolved_by, resolved_at, resolution_note, review_id, result IS NULL, " + ReviewColumns;

    /// <summary>Where <see cref="RecordColumns"/> holds the <see cref="ReviewColumns"/>, read as the claim reads them.</summary>
    private const int RecordReview = 17;

    /// <summary>
    /// A held row with approvals, whose shape only the reader judges (<see cref="TryReadReview"/>): the outcome-unknown
    /// filter finds it too, and the list keeps it only when the reader cannot read its review.
    /// </summary>
    private const string ApprovalsKept = "(state = 3 AND review_approvals <> '[]')";

    /// <summary>A held row whose review the claim cannot read: its claim answers outcome-unknown.</summary>
    private const string ReviewLost = "(state = 3 AND NOT " + ReviewRead + ")";

    /// <summary>An in-progress claim whose lease has passed counts as outcome-unknown.</summary>
    private const string IsUnknown = "(state = 2 OR (state = 0 AND lease_expires_at <= @now))";

    /// <summary>A completed row without its result (damaged by hand or by another program): its claim answers outcome-unknown.</summary>
    private const string ResultLost = "(state = 1 AND result IS NULL)";

    /// <summary>The subject of a stored principal (subject, U+001F, client id), as <c>IdempotencyRecordId.Principal</c> reads it.</summary>
    private const string PrincipalSubject = "split_part(principal, chr(31), 1)";

    /// <summary>The client id of a stored principal; NULL when it has none.</summary>
    private const string PrincipalClientId = "(CASE WHEN strpos(principal, chr(31)) > 0 THEN substr(principal, strpos(principal, chr(31)) + 1) END)";

    /// <remarks>Bounded as a claim is: a write's check of its claim before sending must not outwait a frozen server.</remarks>
    public ValueTask<IdempotencyRecord?> GetAsync(IdempotencyScope scope, DateTimeOffset now, TimeSpan retention, CancellationToken cancellationToken) =>
        _deadline.RunAsync(ct => GetUnboundedAsync(scope, now, retention, ct), cancellationToken);

    private async ValueTask<IdempotencyRecord?> GetUnboundedAsync(IdempotencyScope scope, DateTimeOffset now, TimeSpan retention, CancellationToken cancellationToken)
    {
        await using var select = dataSource.CreateCommand($"SELECT {RecordColumns} FROM portcullis_idempotency WHERE {Key} AND created_at > @cutoff");
        Bind(select, scope);
        select.Parameters.AddWithValue("cutoff", (now - retention).ToUnixTimeMilliseconds());
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadRecord(reader, now) : null;
    }

    /// <remarks>
    /// A search (<see cref="PostgresDeadline.SearchAsync{T}"/>): filtered on columns no index leads with, a page may take a
    /// live server up to <see cref="PostgresDataSource.SearchTimeoutSeconds"/>, while a frozen one is answered as an outage
    /// within the store's bound.
    /// </remarks>
    public async ValueTask<IdempotencyRecordPage> ListAsync(IdempotencyListRequest request, CancellationToken cancellationToken)
    {
        // A cursor this store did not give out is refused before the server is asked anything.
        (long CreatedAt, IdempotencyScope Scope)? after = request.Cursor is { } cursor ? DecodeCursor(cursor) : null;
        return await _deadline.SearchAsync((connection, ct) => ListAsync(connection, request, after, ct), cancellationToken).ConfigureAwait(false);
    }

    private static async ValueTask<IdempotencyRecordPage> ListAsync(NpgsqlConnection connection, IdempotencyListRequest request,
        (long CreatedAt, IdempotencyScope Scope)? after, CancellationToken cancellationToken)
    {
        await using var select = PostgresDeadline.SearchCommand(connection);
        var where = new StringBuilder("created_at > @cutoff");
        select.Parameters.AddWithValue("cutoff", (request.Now - request.Retention).ToUnixTimeMilliseconds());
        select.Parameters.AddWithValue("now", request.Now.ToUnixTimeMilliseconds());
        switch (request.State)
        {
            case IdempotencyState.InProgress:
                where.Append($" AND state = {InProgress} AND lease_expires_at > @now");
                break;
            case IdempotencyState.Completed:
                where.Append($" AND state = {Completed} AND result IS NOT NULL");
                break;
            case IdempotencyState.OutcomeUnknown:
                where.Append($" AND ({IsUnknown} OR {ResultLost} OR {ReviewLost} OR {ApprovalsKept})");
                break;
            case IdempotencyState.AwaitingReview:
                where.Append($" AND state = {AwaitingReview} AND {ReviewRead}");
                break;
        }

        foreach (var (column, name, value) in new[]
        {
            ("environment", "environment", request.Environment), ("connector", "connector", request.Connector), ("tool", "tool", request.Tool), ("key", "key", request.Key),
            (PrincipalSubject, "subject", request.Subject), (PrincipalClientId, "client_id", request.ClientId),
        })
        {
            if (value is not null)
            {
                where.Append($" AND {column} = @{name}");
                select.Parameters.AddWithValue(name, value);
            }
        }

        if (after is { } cursor)
        {
            var (createdAt, scope) = cursor;
            where.Append(" AND (created_at < @c_created OR (created_at = @c_created AND (environment, connector, principal, tool, key) > (@c_env, @c_conn, @c_principal, @c_tool, @c_key)))");
            select.Parameters.AddWithValue("c_created", createdAt);
            select.Parameters.AddWithValue("c_env", scope.Environment);
            select.Parameters.AddWithValue("c_conn", scope.Connector);
            select.Parameters.AddWithValue("c_principal", scope.Principal);
            select.Parameters.AddWithValue("c_tool", scope.Tool);
            select.Parameters.AddWithValue("c_key", scope.Key);
        }

        // The order and the cursor's row comparison use the same collation, so a page starts where the last ended.
        select.CommandText = $"SELECT {RecordColumns} FROM portcullis_idempotency WHERE {where} " +
            "ORDER BY created_at DESC, environment, connector, principal, tool, key LIMIT @limit";
        select.Parameters.AddWithValue("limit", request.Limit + 1);
        var records = new List<IdempotencyRecord>(request.Limit);
        string? next = null;
        var lastCreated = 0L;
        var rows = 0;
        IdempotencyScope? lastScope = null;
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (records.Count == request.Limit)
            {
                // The cursor holds the last row's creation as stored, which the order follows: a damaged row's (a number no
                // date can hold) reads as a placeholder, and a cursor from that made the next page skip rows.
                next = EncodeCursor(lastCreated, lastScope!);
                break;
            }

            rows++;
            var record = ReadRecord(reader, request.Now);
            (lastCreated, lastScope) = (reader.GetInt64(8), record.Scope);
            // The filter found it by its columns; a held row whose approvals cannot be read only the reader tells apart.
            if (request.State is not { } wanted || record.State == wanted)
            {
                records.Add(record);
            }
        }

        // Rows left out filled the page short: the next one starts after the last row read.
        return new IdempotencyRecordPage(records, next ?? (rows > request.Limit ? EncodeCursor(lastCreated, lastScope!) : null));
    }

    /// <remarks>Bounded (<see cref="PostgresDeadline"/>): an operator's settlement on the admin plane waits on it.</remarks>
    public ValueTask<ResolveStatus> ResolveAsync(IdempotencyResolveRequest request, CancellationToken cancellationToken) =>
        _deadline.RunAsync(ct => ResolveUnboundedAsync(request, ct), cancellationToken);

    private async ValueTask<ResolveStatus> ResolveUnboundedAsync(IdempotencyResolveRequest request, CancellationToken cancellationToken)
    {
        if (request.Executed && request.ResultJson is null)
        {
            throw new ArgumentException("An executed resolution needs the result later retries are answered with.", nameof(request));
        }

        // One statement settles the key only while it is outcome-unknown and holds the named call; when it changes
        // nothing, a read says why.
        var settle = request.Executed
            ? $"""
              UPDATE portcullis_idempotency SET state = {Completed}, result = @result, updated_at = @now,
                  resolved_executed = true, resolved_by = @by, resolved_at = @now, resolution_note = @note
              WHERE {Key} AND created_at > @cutoff AND correlation_id = @correlation AND {IsUnknown}
              """
            : $"DELETE FROM portcullis_idempotency WHERE {Key} AND created_at > @cutoff AND correlation_id = @correlation AND {IsUnknown}";
        await using (var change = dataSource.CreateCommand(settle))
        {
            Bind(change, request.Scope);
            change.Parameters.AddWithValue("correlation", request.CorrelationId);
            change.Parameters.AddWithValue("cutoff", (request.Now - request.Retention).ToUnixTimeMilliseconds());
            change.Parameters.AddWithValue("now", request.Now.ToUnixTimeMilliseconds());
            if (request.Executed)
            {
                change.Parameters.AddWithValue("result", request.ResultJson!);
                change.Parameters.AddWithValue("by", request.ResolvedBy);
                change.Parameters.Add(new NpgsqlParameter<string?>("note", request.Note));
            }

            if (await change.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
            {
                return ResolveStatus.Resolved;
            }
        }

        return await GetAsync(request.Scope, request.Now, request.Retention, cancellationToken).ConfigureAwait(false) switch
        {
            null => ResolveStatus.NotFound,
            { } held when !string.Equals(held.CorrelationId, request.CorrelationId, StringComparison.Ordinal) => ResolveStatus.OtherCall,
            _ => ResolveStatus.NotOutcomeUnknown,
        };
    }

    /// <summary>
    /// A row as judged at <paramref name="now"/>. A row damaged by hand or by another program (a time no date can hold, a
    /// settlement without its time or operator, a completed row without its result) is still one: what cannot be read is
    /// named in <see cref="IdempotencyRecord.Unreadable"/>, and its state is judged as the claim judges it (a held row whose
    /// review the claim cannot read is outcome-unknown).
    /// </summary>
    private static IdempotencyRecord ReadRecord(NpgsqlDataReader r, DateTimeOffset now)
    {
        var scope = new IdempotencyScope(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4));
        var unread = new List<string>();
        var created = Time(r, 8, "created_at", unread);
        var updated = Time(r, 9, "updated_at", unread);
        var lease = Time(r, 10, "lease_expires_at", unread);
        var resultLost = r.GetInt16(6) == Completed && r.GetBoolean(16);
        if (resultLost)
        {
            unread.Add("result");
        }

        // A held row's review read as the claim reads it (its mode, arguments, deadline, approvals…): a claim answers a hold
        // without one outcome-unknown.
        var reviewLost = r.GetInt16(6) == AwaitingReview && (r.IsDBNull(15) || TryReadReview(r, RecordReview) is null);
        if (reviewLost)
        {
            unread.Add(r.IsDBNull(15) ? "review_id" : "review");
        }

        // Judged by the stored numbers, as the claim judges them (a bigint is always a number to PostgreSQL).
        var state = r.GetInt16(6) switch
        {
            Completed when !resultLost => IdempotencyState.Completed,
            AwaitingReview when !reviewLost => IdempotencyState.AwaitingReview,
            InProgress when r.GetInt64(10) > now.ToUnixTimeMilliseconds() => IdempotencyState.InProgress,
            _ => IdempotencyState.OutcomeUnknown,
        };
        IdempotencyResolution? resolution = null;
        if (!r.IsDBNull(11))
        {
            resolution = Time(r, 13, "resolution", unread) is { } resolvedAt && !r.IsDBNull(12)
                ? new IdempotencyResolution(r.GetBoolean(11), r.GetString(12), DateTimeOffset.FromUnixTimeMilliseconds(resolvedAt), r.IsDBNull(14) ? null : r.GetString(14))
                : null;
            if (resolution is null && !unread.Contains("resolution"))
            {
                unread.Add("resolution");
            }
        }

        return new IdempotencyRecord(scope, r.GetString(5), state, r.GetString(7),
            IdempotencyUnreadable.TimeOrPlaceholder(created), IdempotencyUnreadable.TimeOrPlaceholder(updated), IdempotencyUnreadable.TimeOrPlaceholder(lease))
        {
            Resolution = resolution,
            ReviewId = r.IsDBNull(15) ? null : r.GetString(15),
            Unreadable = unread.Count == 0 ? null : new IdempotencyUnreadable(unread, IdempotencyUnreadable.SqlRowCondition(scope)),
        };
    }

    /// <summary>A time in milliseconds; null, and named unread, when missing or out of the range a date can hold.</summary>
    private static long? Time(NpgsqlDataReader r, int ordinal, string field, List<string> unread)
    {
        if (!r.IsDBNull(ordinal) && r.GetInt64(ordinal) is var ms && IdempotencyUnreadable.IsDate(ms))
        {
            return ms;
        }

        unread.Add(field);
        return null;
    }

    private static string EncodeCursor(long createdAt, IdempotencyScope scope) =>
        Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(
            new[] { createdAt.ToString(CultureInfo.InvariantCulture), scope.Environment, scope.Connector, scope.Principal, scope.Tool, scope.Key },
            PostgresJson.Default.StringArray));

    private static (long CreatedAt, IdempotencyScope Scope) DecodeCursor(string cursor)
    {
        try
        {
            var parts = JsonSerializer.Deserialize(Convert.FromBase64String(cursor), PostgresJson.Default.StringArray);
            if (parts is { Length: 6 } && parts.All(p => p is not null && StoredText.IsStorable(p)) && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var createdAt))
            {
                return (createdAt, new IdempotencyScope(parts[1], parts[2], parts[3], parts[4], parts[5]));
            }
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
        }

        throw new ArgumentException("The cursor is not one this store gave out.", nameof(cursor));
    }
}
