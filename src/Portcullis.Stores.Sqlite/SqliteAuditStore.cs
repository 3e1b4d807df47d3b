using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Portcullis.Core.Audit;

namespace Portcullis.Stores.Sqlite;

/// <summary>
/// The audit trail's <c>store</c> sink on SQLite: an append-only table (a trigger refuses updates; only the
/// retention purge deletes), indexed for the queries of the CLI and the admin API, in its own WAL file so audit
/// writes never wait on idempotency writes.
/// </summary>
internal sealed class SqliteAuditStore : IAuditSink, IAuditReader
{
    private const string Columns =
        "time, correlation_id, environment, connector, principal, client_id, kind, tool, resource, prompt, arguments_sha256, " +
        "decision, code, stage, upstream_reached, replay, duration_ms, detail, actor, remote_address, arguments, event_count";

    /// <summary>The column added last (with the summaries of paced refusals); a trail written before it lacks it.</summary>
    private const string AddedColumn = "event_count";

    // Built once: the writer runs a batch whenever events are waiting, often only a few events each.
    private static readonly string[] ParameterNames = [.. Columns.Split(", ").Select(c => "$" + c)];
    private static readonly string Insert = $"INSERT INTO audit_events ({Columns}) VALUES ({string.Join(", ", ParameterNames)})";

    private readonly string _connectionString;

    /// <summary>The trail's store at <paramref name="path"/>, created if need be, for the gateway that writes it.</summary>
    public SqliteAuditStore(string path)
        : this(path, SqliteOpenMode.ReadWriteCreate)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS audit_events (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                time INTEGER NOT NULL,
                correlation_id TEXT NOT NULL,
                environment TEXT NOT NULL,
                connector TEXT NULL,
                principal TEXT NULL,
                client_id TEXT NULL,
                kind TEXT NOT NULL,
                tool TEXT NULL,
                resource TEXT NULL,
                prompt TEXT NULL,
                arguments_sha256 TEXT NULL,
                decision TEXT NOT NULL,
                code TEXT NULL,
                stage TEXT NULL,
                upstream_reached INTEGER NULL,
                replay INTEGER NULL,
                duration_ms REAL NULL,
                detail TEXT NULL,
                actor TEXT NULL,
                remote_address TEXT NULL,
                arguments TEXT NULL,
                event_count INTEGER NULL
            );
            CREATE INDEX IF NOT EXISTS audit_events_time ON audit_events (time, id);
            CREATE INDEX IF NOT EXISTS audit_events_principal ON audit_events (principal, time);
            CREATE INDEX IF NOT EXISTS audit_events_tool ON audit_events (tool, time);
            CREATE INDEX IF NOT EXISTS audit_events_code ON audit_events (code, time);
            CREATE INDEX IF NOT EXISTS audit_events_correlation ON audit_events (correlation_id);
            CREATE TRIGGER IF NOT EXISTS audit_events_append_only BEFORE UPDATE ON audit_events
            BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
            """;
        command.ExecuteNonQuery();
        // A trail an earlier version created gains the column in place (the events it holds stand for one each).
        SqliteColumns.AddMissing(connection, "audit_events", [(AddedColumn, "INTEGER NULL")]);
    }

    private SqliteAuditStore(string path, SqliteOpenMode mode) =>
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = true, DefaultTimeout = 30 }.ToString();

    /// <summary>A reader of an existing trail that opens the file read-only: it creates, converts and writes nothing.</summary>
    public static SqliteAuditStore ReadOnly(string path) => new(path, SqliteOpenMode.ReadOnly);

    public string Name => "store";

    /// <summary>A value too big (SQLITE_TOOBIG), a constraint (SQLITE_CONSTRAINT), a type mismatch or a bad parameter (SQLITE_MISMATCH, SQLITE_RANGE).</summary>
    public bool Refuses(Exception exception) =>
        AuditSinkErrors.IsContent(exception)
        || exception is SqliteException { SqliteErrorCode: 18 or 19 or 20 or 25 };

    public ValueTask WriteAsync(IReadOnlyList<AuditEvent> events, CancellationToken cancellationToken)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = Insert;
        var parameters = new SqliteParameter[ParameterNames.Length];
        for (var i = 0; i < parameters.Length; i++)
        {
            parameters[i] = insert.Parameters.Add(ParameterNames[i], SqliteType.Text);
        }

        insert.Prepare();
        foreach (var e in events)
        {
            // In the order of Columns.
            Set(parameters[0], e.Time.ToUnixTimeMilliseconds());
            Set(parameters[1], e.CorrelationId);
            Set(parameters[2], e.Environment);
            Set(parameters[3], e.Connector);
            Set(parameters[4], e.Principal);
            Set(parameters[5], e.ClientId);
            Set(parameters[6], e.Kind);
            Set(parameters[7], e.Tool);
            Set(parameters[8], e.Resource);
            Set(parameters[9], e.Prompt);
            Set(parameters[10], e.ArgumentsSha256);
            Set(parameters[11], e.Decision);
            Set(parameters[12], e.Code);
            Set(parameters[13], e.Stage);
            Set(parameters[14], e.UpstreamReached is { } reached ? (reached ? 1 : 0) : null);
            Set(parameters[15], e.Replay is { } replay ? (replay ? 1 : 0) : null);
            Set(parameters[16], e.DurationMs);
            Set(parameters[17], e.Detail);
            Set(parameters[18], e.Actor);
            Set(parameters[19], e.RemoteAddress);
            Set(parameters[20], e.Arguments?.ToJsonString());
            Set(parameters[21], e.Count);
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
        return ValueTask.CompletedTask;
    }

    public ValueTask<int> PurgeAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM audit_events WHERE time < $before";
        command.Parameters.AddWithValue("$before", before.ToUnixTimeMilliseconds());
        return ValueTask.FromResult(command.ExecuteNonQuery());
    }

    public ValueTask<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        var where = new StringBuilder("1 = 1");
        if (query.Cursor is { } cursor)
        {
            var parts = cursor.Split(':');
            if (parts.Length != 2
                || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var time)
                || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                throw new ArgumentException("The cursor is not one this trail gave out.", nameof(query));
            }

            where.Append(" AND (time < $cursor_time OR (time = $cursor_time AND id < $cursor_id))");
            command.Parameters.AddWithValue("$cursor_time", time);
            command.Parameters.AddWithValue("$cursor_id", id);
        }

        Filter(command, where, "time >=", "$since", query.Since?.ToUnixTimeMilliseconds());
        Filter(command, where, "time <=", "$until", query.Until?.ToUnixTimeMilliseconds());
        Filter(command, where, "environment =", "$environment", query.Environment);
        Filter(command, where, "principal =", "$principal", query.Principal);
        Filter(command, where, "tool =", "$tool", query.Tool);
        Filter(command, where, "code =", "$code", query.Code);
        Filter(command, where, "connector =", "$connector", query.Connector);
        Filter(command, where, "kind =", "$kind", query.Kind);
        Filter(command, where, "decision =", "$decision", query.Decision);
        Filter(command, where, "correlation_id =", "$correlation_id", query.CorrelationId);
        // A read-only reader converts nothing: on a trail written before the last column, the column reads as absent.
        var columns = SqliteColumns.Has(connection, "audit_events", AddedColumn) ? Columns : Columns.Replace(AddedColumn, "NULL", StringComparison.Ordinal);
        command.CommandText = $"SELECT id, {columns} FROM audit_events WHERE {where} ORDER BY time DESC, id DESC LIMIT $limit";
        command.Parameters.AddWithValue("$limit", query.Limit + 1);
        var events = new List<AuditEvent>(query.Limit);
        string? next = null;
        using var reader = command.ExecuteReader();
        long lastTime = 0, lastId = 0;
        while (reader.Read())
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

        return ValueTask.FromResult(new AuditPage(events, next));
    }

    private static AuditEvent Read(SqliteDataReader r) => new()
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
        UpstreamReached = r.IsDBNull(15) ? null : r.GetInt64(15) != 0,
        Replay = r.IsDBNull(16) ? null : r.GetInt64(16) != 0,
        DurationMs = r.IsDBNull(17) ? null : r.GetDouble(17),
        Detail = Text(r, 18),
        Actor = Text(r, 19),
        RemoteAddress = Text(r, 20),
        Arguments = AuditJson.StoredArguments(Text(r, 21)),
        Count = r.IsDBNull(22) ? null : r.GetInt64(22),
    };

    private static string? Text(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static void Filter(SqliteCommand command, StringBuilder where, string condition, string name, object? value)
    {
        if (value is not null)
        {
            where.Append(" AND ").Append(condition).Append(' ').Append(name);
            command.Parameters.AddWithValue(name, value);
        }
    }

    private static void Set(SqliteParameter parameter, object? value)
    {
        parameter.SqliteType = value switch
        {
            long or int => SqliteType.Integer,
            double => SqliteType.Real,
            _ => SqliteType.Text,
        };
        parameter.Value = value ?? DBNull.Value;
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA synchronous = FULL";
        pragma.ExecuteNonQuery();
        return connection;
    }
}
