using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Portcullis.Core.Idempotency;

namespace Portcullis.Stores.Sqlite;

/// <summary>What operators need: one key, lists by state, and settling an outcome-unknown key.</summary>
internal sealed partial class SqliteIdempotencyStore
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
    private const string IsUnknown = "(state = 2 OR (state = 0 AND lease_expires_at <= $now))";

    /// <summary>A completed row without its result (damaged by hand or by another program): its claim answers outcome-unknown.</summary>
    private const string ResultLost = "(state = 1 AND result IS NULL)";

    /// <summary>A row whose creation and lease times are numbers (SQLite keeps whatever it is given); one that is not is outcome-unknown.</summary>
    private const string TimesRead = "(typeof(created_at) = 'integer' AND typeof(lease_expires_at) = 'integer')";

    /// <summary>The subject of a stored principal (subject, U+001F, client id), as <c>IdempotencyRecordId.Principal</c> reads it.</summary>
    private const string PrincipalSubject = "(CASE WHEN instr(principal, char(31)) > 0 THEN substr(principal, 1, instr(principal, char(31)) - 1) ELSE principal END)";

    /// <summary>The client id of a stored principal; NULL when it has none.</summary>
    private const string PrincipalClientId = "(CASE WHEN instr(principal, char(31)) > 0 THEN substr(principal, instr(principal, char(31)) + 1) END)";

    public async ValueTask<IdempotencyRecord?> GetAsync(IdempotencyScope scope, DateTimeOffset now, TimeSpan retention, CancellationToken cancellationToken)
    {
        await Task.Yield();
        using var connection = Open();
        using var select = connection.CreateCommand();
        select.CommandText = $"SELECT {RecordColumns} FROM idempotency WHERE {Key} AND created_at > $cutoff";
        Bind(select, scope);
        select.Parameters.AddWithValue("$cutoff", (now - retention).ToUnixTimeMilliseconds());
        using var reader = select.ExecuteReader();
        return reader.Read() ? ReadRecord(reader, now) : null;
    }

    public async ValueTask<IdempotencyRecordPage> ListAsync(IdempotencyListRequest request, CancellationToken cancellationToken)
    {
        await Task.Yield();
        using var connection = Open();
        using var select = connection.CreateCommand();
        var where = new StringBuilder("created_at > $cutoff");
        select.Parameters.AddWithValue("$cutoff", (request.Now - request.Retention).ToUnixTimeMilliseconds());
        select.Parameters.AddWithValue("$now", request.Now.ToUnixTimeMilliseconds());
        switch (request.State)
        {
            case IdempotencyState.InProgress:
                where.Append($" AND state = {InProgress} AND lease_expires_at > $now AND {TimesRead}");
                break;
            case IdempotencyState.Completed:
                where.Append($" AND state = {Completed} AND result IS NOT NULL AND {TimesRead}");
                break;
            case IdempotencyState.OutcomeUnknown:
                where.Append($" AND ({IsUnknown} OR NOT {TimesRead} OR {ResultLost} OR {ReviewLost} OR {ApprovalsKept})");
                break;
            case IdempotencyState.AwaitingReview:
                where.Append($" AND state = {AwaitingReview} AND {TimesRead} AND {ReviewRead}");
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
                where.Append($" AND {column} = ${name}");
                select.Parameters.AddWithValue("$" + name, value);
            }
        }

        if (request.Cursor is { } cursor)
        {
            var (createdAt, scope) = DecodeCursor(cursor);
            where.Append(" AND (created_at < $c_created OR (created_at = $c_created AND (environment, connector, principal, tool, key) > ($c_env, $c_conn, $c_principal, $c_tool, $c_key)))");
            select.Parameters.AddWithValue("$c_created", createdAt);
            select.Parameters.AddWithValue("$c_env", scope.Environment);
            select.Parameters.AddWithValue("$c_conn", scope.Connector);
            select.Parameters.AddWithValue("$c_principal", scope.Principal);
            select.Parameters.AddWithValue("$c_tool", scope.Tool);
            select.Parameters.AddWithValue("$c_key", scope.Key);
        }

        select.CommandText = $"SELECT {RecordColumns} FROM idempotency WHERE {where} " +
            "ORDER BY created_at DESC, environment, connector, principal, tool, key LIMIT $limit";
        select.Parameters.AddWithValue("$limit", request.Limit + 1);
        var records = new List<IdempotencyRecord>(request.Limit);
        string? next = null;
        object lastCreated = 0L;
        var rows = 0;
        IdempotencyScope? lastScope = null;
        using var reader = select.ExecuteReader();
        while (reader.Read())
        {
            if (records.Count == request.Limit)
            {
                // The cursor holds the last row's creation as stored, which the order follows: a damaged row's (text, a real,
                // a number no date can hold) reads as a placeholder, and a cursor from that made the next page skip rows.
                next = EncodeCursor(lastCreated, lastScope!);
                break;
            }

            rows++;
            var record = ReadRecord(reader, request.Now);
            (lastCreated, lastScope) = (reader.GetValue(8), record.Scope);
            // The filter found it by its columns; a held row whose approvals cannot be read only the reader tells apart.
            if (request.State is not { } wanted || record.State == wanted)
            {
                records.Add(record);
            }
        }

        // Rows left out filled the page short: the next one starts after the last row read.
        return new IdempotencyRecordPage(records, next ?? (rows > request.Limit ? EncodeCursor(lastCreated, lastScope!) : null));
    }

    public ValueTask<ResolveStatus> ResolveAsync(IdempotencyResolveRequest request, CancellationToken cancellationToken)
    {
        if (request.Executed && request.ResultJson is null)
        {
            return ValueTask.FromException<ResolveStatus>(
                new ArgumentException("An executed resolution needs the result later retries are answered with.", nameof(request)));
        }

        return new(_writes.WriteAsync((connection, transaction) =>
        {
            using var select = connection.CreateCommand();
            select.Transaction = transaction;
            select.CommandText = $"SELECT {IsUnknown}, correlation_id FROM idempotency WHERE {Key} AND created_at > $cutoff";
            Bind(select, request.Scope);
            select.Parameters.AddWithValue("$cutoff", (request.Now - request.Retention).ToUnixTimeMilliseconds());
            select.Parameters.AddWithValue("$now", request.Now.ToUnixTimeMilliseconds());
            using (var found = select.ExecuteReader())
            {
                if (!found.Read())
                {
                    return ResolveStatus.NotFound;
                }

                if (!string.Equals(found.GetString(1), request.CorrelationId, StringComparison.Ordinal))
                {
                    return ResolveStatus.OtherCall;
                }

                if (found.GetInt64(0) == 0)
                {
                    return ResolveStatus.NotOutcomeUnknown;
                }
            }

            using var change = connection.CreateCommand();
            change.Transaction = transaction;
            Bind(change, request.Scope);
            if (request.Executed)
            {
                change.CommandText = $"""
                    UPDATE idempotency SET state = {Completed}, result = $result, updated_at = $now,
                        resolved_executed = 1, resolved_by = $by, resolved_at = $now, resolution_note = $note
                    WHERE {Key}
                    """;
                change.Parameters.AddWithValue("$result", request.ResultJson);
                change.Parameters.AddWithValue("$now", request.Now.ToUnixTimeMilliseconds());
                change.Parameters.AddWithValue("$by", request.ResolvedBy);
                change.Parameters.AddWithValue("$note", (object?)request.Note ?? DBNull.Value);
            }
            else
            {
                change.CommandText = $"DELETE FROM idempotency WHERE {Key}";
            }

            change.ExecuteNonQuery();
            return ResolveStatus.Resolved;
        }, cancellationToken));
    }

    /// <summary>
    /// A row as judged at <paramref name="now"/>. A row damaged by hand or by another program (SQLite keeps a time that is
    /// not a number, or a settlement without its time, a completed row without its result) is still one: what cannot be
    /// read is named in <see cref="IdempotencyRecord.Unreadable"/>, and its state is judged as the claim judges it, by
    /// the stored numbers: outcome-unknown when its creation or lease time is not a number, a completed row lost its result
    /// or a held one its review.
    /// </summary>
    private static IdempotencyRecord ReadRecord(SqliteDataReader r, DateTimeOffset now)
    {
        var scope = new IdempotencyScope(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4));
        var unread = new List<string>();
        var created = Time(r, 8, "created_at", unread);
        var updated = Time(r, 9, "updated_at", unread);
        var lease = Time(r, 10, "lease_expires_at", unread);
        var resultLost = r.GetInt32(6) == Completed && r.GetBoolean(16);
        if (resultLost)
        {
            unread.Add("result");
        }

        // A held row's review read as the claim reads it (its mode, arguments, deadline, approvals…): a claim answers a hold
        // without one outcome-unknown.
        var reviewLost = r.GetInt32(6) == AwaitingReview && (r.IsDBNull(15) || TryReadReview(r, RecordReview) is null);
        if (reviewLost)
        {
            unread.Add(r.IsDBNull(15) ? "review_id" : "review");
        }

        // Judged by the stored numbers, as the claim judges them: a time that is not a number makes it outcome-unknown, while
        // one out of a date's range (shown null) still counts as the number it is.
        var state = r.GetFieldType(8) != typeof(long) || r.GetFieldType(10) != typeof(long) ? IdempotencyState.OutcomeUnknown : r.GetInt32(6) switch
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
                ? new IdempotencyResolution(r.GetInt64(11) != 0, r.GetString(12), DateTimeOffset.FromUnixTimeMilliseconds(resolvedAt), r.IsDBNull(14) ? null : r.GetString(14))
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

    /// <summary>A time in milliseconds; null, and named unread, when the column holds anything but an integer in range.</summary>
    private static long? Time(SqliteDataReader r, int ordinal, string field, List<string> unread)
    {
        if (!r.IsDBNull(ordinal) && r.GetFieldType(ordinal) == typeof(long) && r.GetInt64(ordinal) is var ms && IdempotencyUnreadable.IsDate(ms))
        {
            return ms;
        }

        unread.Add(field);
        return null;
    }

    private static string EncodeCursor(object createdAt, IdempotencyScope scope) =>
        Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(
            new[] { StoredCreation(createdAt), scope.Environment, scope.Connector, scope.Principal, scope.Tool, scope.Key },
            StoreJsonContext.Default.StringArray));

    /// <summary>
    /// A stored creation as the cursor holds it, with its SQLite type: a number alone (every row the gateway wrote), or
    /// <c>real:</c>, <c>text:</c> or <c>blob:</c> (base64) before what a damaged row holds, so the next page is compared
    /// with the very value SQLite ordered it by (a number below any text, a text below any blob).
    /// </summary>
    private static string StoredCreation(object value) => value switch
    {
        long ms => ms.ToString(CultureInfo.InvariantCulture),
        double real => "real:" + real.ToString("R", CultureInfo.InvariantCulture),
        byte[] blob => "blob:" + Convert.ToBase64String(blob),
        _ => "text:" + Convert.ToString(value, CultureInfo.InvariantCulture),
    };

    private static object? ReadStoredCreation(string text)
    {
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
        {
            return ms;
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return (colon < 0 ? "" : text[..colon]) switch
        {
            "real" when double.TryParse(text.AsSpan(colon + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var real) => real,
            "text" => text[(colon + 1)..],
            "blob" => Convert.FromBase64String(text[(colon + 1)..]),
            _ => null,
        };
    }

    private static (object CreatedAt, IdempotencyScope Scope) DecodeCursor(string cursor)
    {
        try
        {
            var parts = JsonSerializer.Deserialize(Convert.FromBase64String(cursor), StoreJsonContext.Default.StringArray);
            if (parts is { Length: 6 } && parts.All(p => p is not null) && ReadStoredCreation(parts[0]) is { } createdAt)
            {
                return (createdAt, new IdempotencyScope(parts[1], parts[2], parts[3], parts[4], parts[5]));
            }
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
        }

        throw new ArgumentException("The cursor is not one this store gave out.", nameof(cursor));
    }

    /// <summary>Files created before operators could settle keys, or before review, gain the columns and indexes added since.</summary>
    private static void AddColumns(SqliteConnection connection)
    {
        SqliteColumns.AddMissing(connection, "idempotency",
            new[] { ("resolved_executed", "INTEGER"), ("resolved_by", "TEXT"), ("resolved_at", "INTEGER"), ("resolution_note", "TEXT") }.Concat(ReviewColumnTypes)
                .Select(c => (c.Item1, c.Item2 + " NULL")));

        using var index = connection.CreateCommand();
        index.CommandText = """
            CREATE UNIQUE INDEX IF NOT EXISTS idempotency_review ON idempotency (review_id) WHERE review_id IS NOT NULL;
            CREATE INDEX IF NOT EXISTS idempotency_pending_reviews ON idempotency (environment, principal, review_expires_at)
                WHERE review_id IS NOT NULL AND review_decision IS NULL;
            """;
        index.ExecuteNonQuery();
    }
}
