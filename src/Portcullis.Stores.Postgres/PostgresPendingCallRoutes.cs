using Npgsql;
using Portcullis.Core.Relay;

namespace Portcullis.Stores.Postgres;

/// <summary>Which replica holds each pending multi round-trip call (or asked each session question), one row each; the last put wins.</summary>
internal sealed class PostgresPendingCallRoutes(NpgsqlDataSource dataSource) : IPendingCallRoutes
{
    private readonly PostgresDeadline _deadline = PostgresDeadline.For(dataSource);

    /// <remarks>Bounded (<see cref="PostgresDeadline"/>): a pending call's answer waits for its record.</remarks>
    public ValueTask PutAsync(string requestState, PendingCallRoute route, DateTimeOffset now, CancellationToken cancellationToken) =>
        _deadline.RunAsync(ct => PutUnboundedAsync(requestState, route, now, ct), cancellationToken);

    private async ValueTask PutUnboundedAsync(string requestState, PendingCallRoute route, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO portcullis_pending_call_routes (request_state, owner, advertise_url, expires_at) VALUES (@state, @owner, @url, @expires)
            ON CONFLICT (request_state) DO UPDATE SET owner = EXCLUDED.owner, advertise_url = EXCLUDED.advertise_url, expires_at = EXCLUDED.expires_at
            """);
        command.Parameters.AddWithValue("state", requestState);
        command.Parameters.AddWithValue("owner", route.Owner);
        command.Parameters.AddWithValue("url", route.AdvertiseUrl);
        command.Parameters.AddWithValue("expires", route.ExpiresAt.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <remarks>Bounded (<see cref="PostgresDeadline"/>): a retry's holder is looked up before its request runs.</remarks>
    public ValueTask<PendingCallRoute?> GetAsync(string requestState, DateTimeOffset now, CancellationToken cancellationToken) =>
        _deadline.RunAsync(ct => GetUnboundedAsync(requestState, now, ct), cancellationToken);

    private async ValueTask<PendingCallRoute?> GetUnboundedAsync(string requestState, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT owner, advertise_url, expires_at FROM portcullis_pending_call_routes WHERE request_state = @state AND expires_at > @now");
        command.Parameters.AddWithValue("state", requestState);
        command.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new PendingCallRoute(reader.GetString(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)))
            : null;
    }

    public async ValueTask<int> PurgeAsync(DateTimeOffset expiredBefore, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM portcullis_pending_call_routes WHERE expires_at < @before");
        command.CommandTimeout = PostgresDataSource.MaintenanceTimeoutSeconds;
        command.Parameters.AddWithValue("before", expiredBefore.ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
