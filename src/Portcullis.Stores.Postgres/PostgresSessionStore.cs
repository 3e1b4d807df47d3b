using Npgsql;
using Portcullis.Core.Sessions;

namespace Portcullis.Stores.Postgres;

/// <summary>Session handshakes, one row each, judged expired from their stored expiry; an ended one is kept, ended and without its handshake, until then.</summary>
internal sealed class PostgresSessionStore(NpgsqlDataSource dataSource) : ISessionStore
{
    public async ValueTask SaveAsync(SessionRecord record, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO portcullis_sessions (session_id, connector, principal, initialize_params, expires_at, log_level)
            VALUES (@id, @connector, @principal, @params, @expires, @level)
            ON CONFLICT (session_id) DO UPDATE SET expires_at = EXCLUDED.expires_at
            WHERE portcullis_sessions.connector = EXCLUDED.connector AND portcullis_sessions.principal = EXCLUDED.principal
                AND NOT portcullis_sessions.ended
            """);
        command.Parameters.AddWithValue("id", record.SessionId);
        command.Parameters.AddWithValue("connector", record.Connector);
        command.Parameters.AddWithValue("principal", record.Principal);
        command.Parameters.AddWithValue("params", record.InitializeParamsJson);
        command.Parameters.AddWithValue("expires", record.ExpiresAt.ToUnixTimeMilliseconds());
        command.Parameters.Add(new NpgsqlParameter<string?>("level", NpgsqlTypes.NpgsqlDbType.Text) { TypedValue = record.LogLevel });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<bool> SetLogLevelAsync(string sessionId, string level, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE portcullis_sessions SET log_level = @level WHERE session_id = @id AND expires_at > @now AND NOT ended");
        command.Parameters.AddWithValue("id", sessionId);
        command.Parameters.AddWithValue("level", level);
        command.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async ValueTask<SessionRecord?> GetAsync(string sessionId, DateTimeOffset now, CancellationToken cancellationToken) =>
        (await GetManyAsync([sessionId], now, cancellationToken).ConfigureAwait(false)).SingleOrDefault();

    public async ValueTask<IReadOnlyList<SessionRecord>> GetManyAsync(IReadOnlyList<string> sessionIds, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT session_id, connector, principal, initialize_params, expires_at, ended, log_level FROM portcullis_sessions WHERE session_id = ANY(@ids) AND expires_at > @now");
        command.Parameters.AddWithValue("ids", sessionIds.ToArray());
        command.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var found = new List<SessionRecord>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            found.Add(new SessionRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), reader.GetBoolean(5), reader.IsDBNull(6) ? null : reader.GetString(6)));
        }

        return found;
    }

    public async ValueTask EndAsync(string sessionId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE portcullis_sessions SET ended = true, initialize_params = '', expires_at = LEAST(expires_at, @keep) WHERE session_id = @id");
        command.Parameters.AddWithValue("id", sessionId);
        command.Parameters.AddWithValue("keep", (now + SessionRecord.EndedKeep).ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<int> PurgeAsync(DateTimeOffset expiredBefore, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM portcullis_sessions WHERE expires_at < @before");
        command.CommandTimeout = PostgresDataSource.MaintenanceTimeoutSeconds;
        command.Parameters.AddWithValue("before", expiredBefore.ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
