using System.Text.Json;
using Microsoft.Data.Sqlite;
using Portcullis.Core.Sessions;

namespace Portcullis.Stores.Sqlite;

/// <summary>
/// Session handshakes in their own SQLite file beside the idempotency store, so a 2025-11-25 client's session
/// outlives a restart of the (single) gateway. An ended session is kept, ended and without its handshake, until its
/// expiry but an hour at most, as on the shared stores: a renewal or a migration that read the handshake just before
/// the end cannot bring it back. The resources a session's client subscribed to are kept beside it, a row each.
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
                expires_at INTEGER NOT NULL,
                ended INTEGER NOT NULL DEFAULT 0,
                log_level TEXT NULL) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS session_subscriptions (
                session_id TEXT NOT NULL,
                uri TEXT NOT NULL,
                PRIMARY KEY (session_id, uri)) WITHOUT ROWID;
            """;
        command.ExecuteNonQuery();
        AddLaterColumns(connection);
    }

    public ValueTask SaveAsync(SessionRecord record, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO sessions (session_id, connector, principal, initialize_params, expires_at, log_level) VALUES ($id, $connector, $principal, $params, $expires, $level)
            ON CONFLICT (session_id) DO UPDATE SET expires_at = excluded.expires_at
            WHERE sessions.connector = excluded.connector AND sessions.principal = excluded.principal AND NOT sessions.ended
            """;
        command.Parameters.AddWithValue("$id", record.SessionId);
        command.Parameters.AddWithValue("$connector", record.Connector);
        command.Parameters.AddWithValue("$principal", record.Principal);
        command.Parameters.AddWithValue("$params", record.InitializeParamsJson);
        command.Parameters.AddWithValue("$expires", record.ExpiresAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$level", (object?)record.LogLevel ?? DBNull.Value);
        command.ExecuteNonQuery();
        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> SetLogLevelAsync(string sessionId, string level, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE sessions SET log_level = $level WHERE session_id = $id AND expires_at > $now AND NOT ended";
        command.Parameters.AddWithValue("$id", sessionId);
        command.Parameters.AddWithValue("$level", level);
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        return ValueTask.FromResult(command.ExecuteNonQuery() > 0);
    }

    public ValueTask<bool> SetSubscribedAsync(string sessionId, string uri, bool subscribed, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = subscribed
            ? """
              INSERT OR IGNORE INTO session_subscriptions (session_id, uri) SELECT $id, $uri WHERE EXISTS (
                  SELECT 1 FROM sessions WHERE session_id = $id AND expires_at > $now AND NOT ended);
              SELECT EXISTS (SELECT 1 FROM sessions WHERE session_id = $id AND expires_at > $now AND NOT ended);
              """
            : """
              DELETE FROM session_subscriptions WHERE session_id = $id AND uri = $uri;
              SELECT EXISTS (SELECT 1 FROM sessions WHERE session_id = $id AND expires_at > $now AND NOT ended);
              """;
        command.Parameters.AddWithValue("$id", sessionId);
        command.Parameters.AddWithValue("$uri", uri);
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        return ValueTask.FromResult(Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) != 0);
    }

    public ValueTask<IReadOnlyList<string>> GetSubscriptionsAsync(string sessionId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT uri FROM session_subscriptions WHERE session_id = $id
                AND EXISTS (SELECT 1 FROM sessions WHERE session_id = $id AND expires_at > $now AND NOT ended)
            ORDER BY uri
            """;
        command.Parameters.AddWithValue("$id", sessionId);
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        var uris = new List<string>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            uris.Add(reader.GetString(0));
        }

        return ValueTask.FromResult<IReadOnlyList<string>>(uris);
    }

    public async ValueTask<SessionRecord?> GetAsync(string sessionId, DateTimeOffset now, CancellationToken cancellationToken) =>
        (await GetManyAsync([sessionId], now, cancellationToken)).SingleOrDefault();

    public ValueTask<IReadOnlyList<SessionRecord>> GetManyAsync(IReadOnlyList<string> sessionIds, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT session_id, connector, principal, initialize_params, expires_at, ended, log_level FROM sessions
            WHERE session_id IN (SELECT value FROM json_each($ids)) AND expires_at > $now
            """;
        command.Parameters.AddWithValue("$ids", JsonSerializer.Serialize(sessionIds, StoreJsonContext.Default.IReadOnlyListString));
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        var found = new List<SessionRecord>(sessionIds.Count);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            found.Add(new SessionRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), reader.GetInt64(5) != 0, reader.IsDBNull(6) ? null : reader.GetString(6)));
        }

        return ValueTask.FromResult<IReadOnlyList<SessionRecord>>(found);
    }

    public ValueTask EndAsync(string sessionId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE sessions SET ended = 1, initialize_params = '', expires_at = MIN(expires_at, $keep) WHERE session_id = $id;
            DELETE FROM session_subscriptions WHERE session_id = $id;
            """;
        command.Parameters.AddWithValue("$id", sessionId);
        command.Parameters.AddWithValue("$keep", (now + SessionRecord.EndedKeep).ToUnixTimeMilliseconds());
        command.ExecuteNonQuery();
        return ValueTask.CompletedTask;
    }

    public ValueTask<int> PurgeAsync(DateTimeOffset expiredBefore, CancellationToken cancellationToken)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM sessions WHERE expires_at < $before";
        command.Parameters.AddWithValue("$before", expiredBefore.ToUnixTimeMilliseconds());
        var purged = command.ExecuteNonQuery();
        using var orphans = connection.CreateCommand();
        orphans.CommandText = "DELETE FROM session_subscriptions WHERE session_id NOT IN (SELECT session_id FROM sessions)";
        orphans.ExecuteNonQuery();
        return ValueTask.FromResult(purged);
    }

    /// <summary>
    /// A sessions.db made before sessions were kept ended, or before their logging level was kept, gets the columns, once
    /// (under the write lock, so two processes starting together add them once).
    /// </summary>
    private static void AddLaterColumns(SqliteConnection connection) =>
        SqliteColumns.AddMissing(connection, "sessions", [("ended", "INTEGER NOT NULL DEFAULT 0"), ("log_level", "TEXT NULL")]);

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }
}
