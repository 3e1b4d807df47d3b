using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;
using NpgsqlTypes;
using Portcullis.Core.Audit;

namespace Portcullis.Stores.Postgres;

/// <summary>
/// The audit trail's <c>store</c> sink on the PostgreSQL state store: one append-only table shared by every replica
/// (a trigger refuses updates and truncation; only the retention purge deletes), indexed for the queries of the CLI
/// and the admin API. Same columns, filters and cursor (<c>time:id</c>) as the SQLite store.
/// </summary>
internal sealed class PostgresAuditStore(NpgsqlDataSource dataSource) : IAuditSink, IAuditReader
{
    private const string Columns =
        "time, correlation_id, environment, connector, principal, client_id, kind, tool, resource, prompt, arguments_sha256, " +
        "decision, code, stage, upstream_reached, replay, duration_ms, detail, actor, remote_address, arguments, event_count";

    /// <summary>The column added last (migration 8, the summaries of paced refusals); a database not yet migrated lacks it.</summary>
    private const string AddedColumn = "event_count";

    private const string Insert =
        $"INSERT INTO portcullis_audit_events ({Columns}) VALUES " +
        "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)";

    private readonly PostgresDeadline _deadline = PostgresDeadline.For(dataSource);

    private volatile bool _hasAddedColumn;

    public string Name => "store";

    /// <summary>A data exception (class 22), an integrity violation (23) or a value over a limit (54: an index row too long).</summary>
    public bool Refuses(Exception exception) =>
        AuditSinkErrors.IsContent(exception)
        || exception is PostgresException { SqlState: ['2', '2', ..] or ['2', '3', ..] or ['5', '4', ..] };

    public async ValueTask WriteAsync(IReadOnlyList<AuditEvent> events, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection) { Timeout = PostgresDataSource.AuditBatchTimeoutSeconds };
        foreach (var e in events)
        {
            var command = new NpgsqlBatchCommand(Insert);
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.Time.ToUnixTimeMilliseconds() });
            Text(command, e.CorrelationId);
            Text(command, e.Environment);
            Text(command, e.Connector);
            Text(command, e.Principal);
            Text(command, e.ClientId);
            Text(command, e.Kind);
            Text(command, e.Tool);
            Text(command, e.Resource);
            Text(command, e.Prompt);
            Text(command, e.ArgumentsSha256);
            Text(command, e.Decision);
            Text(command, e.Code);
            Text(command, e.Stage);
            command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Boolean, Value = (object?)e.UpstreamReached ?? DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Boolean, Value = (object?)e.Replay ?? DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Double, Value = (object?)e.DurationMs ?? DBNull.Value });
            Text(command, e.Detail);
            Text(command, e.Actor);
            Text(command, e.RemoteAddress);
            Text(command, e.Arguments?.ToJsonString());
            command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = (object?)e.Count ?? DBNull.Value });
            batch.BatchCommands.Add(command);
        }

        // One implicit transaction: every event of the batch is kept, or none and the writer tries again.
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<int> PurgeAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM portcullis_audit_events WHERE time < @before");
        command.CommandTimeout = PostgresDataSource.MaintenanceTimeoutSeconds;
        command.Parameters.AddWithValue("before", before.ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <remarks>
    /// A search (<see cref="PostgresDeadline.SearchAsync{T}"/>): a page may take a live server up to
    /// <see cref="PostgresDataSource.SearchTimeoutSeconds"/> on a big trail, while a frozen one is answered as an outage
    /// within the store's bound.
    /// </remarks>
    public async ValueTask<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        // A cursor this trail did not give out is refused before the server is asked anything.
        var after = Cursor(query.Cursor);
        return await _deadline.SearchAsync((connection, ct) => QueryAsync(connection, query, after, ct), cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<AuditPage> QueryAsync(NpgsqlConnection connection, AuditQuery query, (long Time, long Id)? after, CancellationToken cancellationToken)
    {
        await using var command = PostgresDeadline.SearchCommand(connection);
        var where = new StringBuilder("TRUE");
        if (after is { } cursor)
        {
            where.Append(" AND (time, id) < (@cursor_time, @cursor_id)");
            command.Parameters.AddWithValue("cursor_time", cursor.Time);
            command.Parameters.AddWithValue("cursor_id", cursor.Id);
        }

        Filter(command, where, "time >=", "since", query.Since?.ToUnixTimeMilliseconds());
        Filter(command, where, "time <=", "until", query.Until?.ToUnixTimeMilliseconds());
        Filter(command, where, "environment =", "environment", query.Environment);
        Filter(command, where, "principal =", "principal", query.Principal);
        Filter(command, where, "tool =", "tool", query.Tool);
        Filter(command, where, "code =", "code", query.Code);
        Filter(command, where, "connector =", "connector", query.Connector);
        Filter(command, where, "kind =", "kind", query.Kind);
        Filter(command, where, "decision =", "decision", query.Decision);
        Filter(command, where, "correlation_id =", "correlation_id", query.CorrelationId);
        // A reader (portcullis audit) migrates nothing: on a database no replica of this version has migrated yet,
        // the last column reads as absent.
        var columns = await HasAddedColumnAsync(connection, cancellationToken).ConfigureAwait(false) ? Columns : Columns.Replace(AddedColumn, "NULL", StringComparison.Ordinal);
        command.CommandText = $"SELECT id, {columns} FROM portcullis_audit_events WHERE {where} ORDER BY time DESC, id DESC LIMIT @limit";
        command.Parameters.AddWithValue("limit", query.Limit + 1);
        var events = new List<AuditEvent>(query.Limit);
        string? next = null;
        long lastTime = 0, lastId = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (events.Count == query.Limit)
            {
                next = string.Create(CultureInfo.InvariantCulture, $"{lastTime}:{lastId}");
                break;
            }

            lastId = reader.GetInt64(0);
            lastTime = reader.GetInt64(1);
            events.Add(Read(reader));
        }

        return new AuditPage(events, next);
    }

    /// <summary>
    /// Whether the table has the last column; once it has, it keeps it (migrations only add). The table is the one the
    /// search path finds, as for the queries themselves.
    /// </summary>
    private async ValueTask<bool> HasAddedColumnAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        if (_hasAddedColumn)
        {
            return true;
        }

        await using var command = PostgresDeadline.SearchCommand(connection,
            "SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('portcullis_audit_events') AND attname = @column AND NOT attisdropped)");
        command.Parameters.AddWithValue("column", AddedColumn);
        _hasAddedColumn = (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        return _hasAddedColumn;
    }

    /// <summary>The page's cursor (<c>time:id</c> of the last event of the page before), or null for the first page.</summary>
    private static (long Time, long Id)? Cursor(string? cursor)
    {
        if (cursor is null)
        {
            return null;
        }

        var parts = cursor.Split(':');
        if (parts.Length != 2
            || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var time)
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            throw new ArgumentException("The cursor is not one this trail gave out.", nameof(cursor));
        }

        return (time, id);
    }

    private static AuditEvent Read(NpgsqlDataReader r) => new()
    {
        Time = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)),
        CorrelationId = r.GetString(2),
        Environment = r.GetString(3),
        Connector = Text(r, 4),
        Principal = Text(r, 5),
        ClientId = Text(r, 6),
        Kind = r.GetString(7),
        Tool = Text(r, 8),
        Resource = Text(r, 9),
        Prompt = Text(r, 10),
        ArgumentsSha256 = Text(r, 11),
        Decision = r.GetString(12),
        Code = Text(r, 13),
        Stage = Text(r, 14),
        UpstreamReached = r.IsDBNull(15) ? null : r.GetBoolean(15),
        Replay = r.IsDBNull(16) ? null : r.GetBoolean(16),
        DurationMs = r.IsDBNull(17) ? null : r.GetDouble(17),
        Detail = Text(r, 18),
        Actor = Text(r, 19),
        RemoteAddress = Text(r, 20),
        Arguments = AuditJson.StoredArguments(Text(r, 21)),
        Count = r.IsDBNull(22) ? null : r.GetInt64(22),
    };

    private static string? Text(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static void Text(NpgsqlBatchCommand command, string? value) =>
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)value ?? DBNull.Value });

    private static void Filter(NpgsqlCommand command, StringBuilder where, string condition, string name, object? value)
    {
        if (value is not null)
        {
            where.Append(" AND ").Append(condition).Append(" @").Append(name);
            command.Parameters.AddWithValue(name, value);
        }
    }
}
