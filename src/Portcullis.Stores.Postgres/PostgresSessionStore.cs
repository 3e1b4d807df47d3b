using Npgsql;
using Portcullis.Core.Sessions;

namespace Portcullis.Stores.Postgres;

/// <summary>
/// Session handshakes, one row each, judged expired from their stored expiry; an ended one is kept, ended and without its
/// handshake, until then. The resources a session's client subscribed to are rows of their own, forgotten with its end or purge.
/// </summary>
internal sealed class PostgresSessionStore(NpgsqlDataSource dataSource) : ISessionStore
{
    private readonly PostgresDeadline _deadline = PostgresDeadline.For(dataSource);

    /// <remarks>Bounded (<see cref="PostgresDeadline"/>), as every step below a request waits on: a session's handshake is stored before its answer.</remarks>
    public ValueTask SaveAsync(SessionRecord record, DateTimeOffset now, CancellationToken cancellationToken) =>
        _deadline.RunAsync(ct => SaveUnboundedAsync(record, now, ct), cancellationToken);

    private async ValueTask SaveUnboundedAsync(SessionRecord record, DateTimeOffset now, CancellationToken cancellationToken)
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

    public ValueTask<bool> SetLogLevelAsync(string sessionId, string level, DateTimeOffset now, CancellationToken cancellationToken) =>
        _deadline.RunAsync(ct => SetLogLevelUnboundedAsync(sessionId, level, now, ct), cancellationToken);

    private async ValueTask<bool> SetLogLevelUnboundedAsync(string sessionId, string level, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE portcullis_sessions SET log_level = @level WHERE session_id = @id AND expires_at > @now AND NOT ended");
        command.Parameters.AddWithValue("id", sessionId);
        command.Parameters.AddWithValue("level", level);
        command.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public ValueTask<bool> SetSubscribedAsync(string sessionId, string uri, bool subscribed, DateTimeOffset now, CancellationToken cancellationToken) =>
        _deadline.RunAsync(ct => SetSubscribedUnboundedAsync(sessionId, uri, subscribed, now, ct), cancellationToken);

    private async ValueTask<bool> SetSubscribedUnboundedAsync(string sessionId, string uri, bool subscribed, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(subscribed
            ? """
              WITH live AS (SELECT 1 FROM portcullis_sessions WHERE session_id = @id AND expires_at > @now AND NOT ended),
                   added AS (INSERT INTO portcullis_session_subscriptions (session_id, uri) SELECT @id, @uri FROM live ON CONFLICT DO NOTHING)
              SELECT EXISTS (SELECT 1 FROM live)
              """
            : """
              WITH removed AS (DELETE FROM portcullis_session_subscriptions WHERE session_id = @id AND uri = @uri)
              SELECT EXISTS (SELECT 1 FROM portcullis_sessions WHERE session_id = @id AND expires_at > @now AND NOT ended)
              """);
        command.Parameters.AddWithValue("id", sessionId);
        command.Parameters.AddWithValue("uri", uri);
        command.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
    }

    public ValueTask<IReadOnlyList<string>> GetSubscriptionsAsync(string sessionId, DateTimeOffset now, CancellationToken cancellationToken) =>
        _deadline.RunAsync(ct => GetSubscriptionsUnboundedAsync(sessionId, now, ct), cancellationToken);

    private async ValueTask<IReadOnlyList<string>> GetSubscriptionsUnboundedAsync(string sessionId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT s.uri FROM portcullis_session_subscriptions s JOIN portcullis_sessions p ON p.session_id = s.session_id
            WHERE s.session_id = @id AND p.expires_at > @now AND NOT p.ended
            ORDER BY s.uri
            """);
        command.Parameters.AddWithValue("id", sessionId);
        command.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var uris = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            uris.Add(reader.GetString(0));
        }

        return uris;
    }

    public async ValueTask<SessionRecord?> GetAsync(string sessionId, DateTimeOffset now, CancellationToken cancellationToken) =>
        (await GetManyAsync([sessionId], now, cancellationToken).ConfigureAwait(false)).SingleOrDefault();

    /// <remarks>Bounded (<see cref="PostgresDeadline"/>): a session continued on another replica is read before its request runs.</remarks>
    public ValueTask<IReadOnlyList<SessionRecord>> GetManyAsync(IReadOnlyList<string> sessionIds, DateTimeOffset now, CancellationToken cancellationToken) =>
        _deadline.RunAsync(ct => GetManyUnboundedAsync(sessionIds, now, ct), cancellationToken);

    private async ValueTask<IReadOnlyList<SessionRecord>> GetManyUnboundedAsync(IReadOnlyList<string> sessionIds, DateTimeOffset now, CancellationToken cancellationToken)
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

    /// <remarks>Bounded (<see cref="PostgresDeadline"/>): a session's DELETE is answered once its end is stored.</remarks>
    public ValueTask EndAsync(string sessionId, DateTimeOffset now, CancellationToken cancellationToken) =>
        _deadline.RunAsync(ct => EndUnboundedAsync(sessionId, now, ct), cancellationToken);

    private async ValueTask EndUnboundedAsync(string sessionId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            WITH forgotten AS (DELETE FROM portcullis_session_subscriptions WHERE session_id = @id)
            UPDATE portcullis_sessions SET ended = true, initialize_params = '', expires_at = LEAST(expires_at, @keep) WHERE session_id = @id
            """);
        command.Parameters.AddWithValue("id", sessionId);
        command.Parameters.AddWithValue("keep", (now + SessionRecord.EndedKeep).ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<int> PurgeAsync(DateTimeOffset expiredBefore, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            WITH purged AS (DELETE FROM portcullis_sessions WHERE expires_at < @before RETURNING session_id),
                 forgotten AS (DELETE FROM portcullis_session_subscriptions s USING purged WHERE s.session_id = purged.session_id)
            SELECT count(*) FROM purged
            """);
        command.CommandTimeout = PostgresDataSource.MaintenanceTimeoutSeconds;
        command.Parameters.AddWithValue("before", expiredBefore.ToUnixTimeMilliseconds());
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
