using Microsoft.Data.Sqlite;
using Portcullis.Core.Sessions;

namespace Portcullis.Stores.Sqlite;

/// <summary>
/// Session handshakes in their own SQLite file beside the idempotency store, so a 2025-11-25 client's session
/// outlives a restart of the (single) gateway. With one replica, the one that ended a session is the only one that
/// held it, so an ended session is forgotten at once.
/// </summary>
internal sealed class SqliteSessionStore : ISessionStore
{
    private readonly string _connectionString;

    public SqliteSessionStore(string path)
    {
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true, DefaultTimeout = 30 }.ToString();
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS sessions (
                session_id TEXT PRIMARY KEY,
                connector TEXT NOT NULL,
                principal TEXT NOT NULL,
                initialize_params TEXT NOT NULL,
                expires_at INTEGER NOT NULL) WITHOUT ROWID;
            """;
        command.ExecuteNonQuery();
    }

    public ValueTask SaveAsync(SessionRecord record, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO sessions (session_id, connector, principal, initialize_params, expires_at) VALUES ($id, $connector, $principal, $params, $expires)
            ON CONFLICT (session_id) DO UPDATE SET expires_at = excluded.expires_at
            WHERE sessions.connector = excluded.connector AND sessions.principal = excluded.principal
            """;
        command.Parameters.AddWithValue("$id", record.SessionId);
        command.Parameters.AddWithValue("$connector", record.Connector);
        command.Parameters.AddWithValue("$principal", record.Principal);
        command.Parameters.AddWithValue("$params", record.InitializeParamsJson);
        command.Parameters.AddWithValue("$expires", record.ExpiresAt.ToUnixTimeMilliseconds());
        command.ExecuteNonQuery();
        return ValueTask.CompletedTask;
    }

    public ValueTask<SessionRecord?> GetAsync(string sessionId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT connector, principal, initialize_params, expires_at FROM sessions WHERE session_id = $id AND expires_at > $now";
        command.Parameters.AddWithValue("$id", sessionId);
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        using var reader = command.ExecuteReader();
        return ValueTask.FromResult(reader.Read()
            ? new SessionRecord(sessionId, reader.GetString(0), reader.GetString(1), reader.GetString(2), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)))
            : null);
    }

    public async ValueTask<IReadOnlyList<SessionRecord>> GetManyAsync(IReadOnlyList<string> sessionIds, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var found = new List<SessionRecord>(sessionIds.Count);
        foreach (var sessionId in sessionIds)
        {
            if (await GetAsync(sessionId, now, cancellationToken) is { } record)
            {
                found.Add(record);
            }
        }

        return found;
    }

    public ValueTask EndAsync(string sessionId, CancellationToken cancellationToken)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM sessions WHERE session_id = $id";
        command.Parameters.AddWithValue("$id", sessionId);
        command.ExecuteNonQuery();
        return ValueTask.CompletedTask;
    }

    public ValueTask<int> PurgeAsync(DateTimeOffset expiredBefore, CancellationToken cancellationToken)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM sessions WHERE expires_at < $before";
        command.Parameters.AddWithValue("$before", expiredBefore.ToUnixTimeMilliseconds());
        return ValueTask.FromResult(command.ExecuteNonQuery());
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }
}
