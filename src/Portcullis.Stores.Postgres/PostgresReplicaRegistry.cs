using Npgsql;
using Portcullis.Core.State;

namespace Portcullis.Stores.Postgres;

/// <summary>Which process holds each replica id: one row per id, taken or renewed by one upsert.</summary>
internal sealed class PostgresReplicaRegistry(NpgsqlDataSource dataSource) : IReplicaRegistry
{
    /// <summary>Takes or renews the row when the conditions hold; returns nothing when they do not.</summary>
    private const string Hold = """
        INSERT INTO portcullis_replicas AS r (replica_id, owner, renewed_at, held_until) VALUES (@id, @owner, @now, @until)
        ON CONFLICT (replica_id) DO UPDATE SET owner = excluded.owner, renewed_at = excluded.renewed_at, held_until = excluded.held_until
        WHERE r.owner = excluded.owner OR r.held_until <= excluded.renewed_at OR (r.owner = @stale_owner AND r.renewed_at = @stale_renewed)
        RETURNING owner, renewed_at, held_until
        """;

    /// <summary>
    /// The holder when the upsert did not take the row: a statement of its own, so its snapshot includes the commit the
    /// upsert waited for (a read in the upsert's statement saw the row as it was before, possibly as this process's own).
    /// </summary>
    private const string Holder = "SELECT owner, renewed_at, held_until FROM portcullis_replicas WHERE replica_id = @id";

    private readonly PostgresDeadline _deadline = PostgresDeadline.For(dataSource);

    /// <remarks>
    /// Bounded (<see cref="PostgresDeadline"/>): a renewal left waiting on a frozen server for about 15 s delays the next
    /// ones past the server's return, and the hold (15 s unrenewed) could lapse meanwhile; given up at the bound, the next
    /// renewal is asked two seconds later.
    /// </remarks>
    public ValueTask<ReplicaHolder> HoldAsync(
        ReplicaIdentity replica, DateTimeOffset now, DateTimeOffset until, ReplicaHolder? stale, CancellationToken cancellationToken) =>
        _deadline.RunAsync(ct => HoldUnboundedAsync(replica, now, until, stale, ct), cancellationToken);

    private async ValueTask<ReplicaHolder> HoldUnboundedAsync(
        ReplicaIdentity replica, DateTimeOffset now, DateTimeOffset until, ReplicaHolder? stale, CancellationToken cancellationToken)
    {
        while (true)
        {
            await using (var command = dataSource.CreateCommand(Hold))
            {
                command.Parameters.AddWithValue("id", replica.Id);
                command.Parameters.AddWithValue("owner", replica.Owner);
                command.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("until", until.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("stale_owner", stale?.Owner ?? "");
                command.Parameters.AddWithValue("stale_renewed", stale?.RenewedAt.ToUnixTimeMilliseconds() ?? -1L);
                if (await ReadAsync(command, cancellationToken).ConfigureAwait(false) is { } held)
                {
                    return held;
                }
            }

            await using (var command = dataSource.CreateCommand(Holder))
            {
                command.Parameters.AddWithValue("id", replica.Id);
                if (await ReadAsync(command, cancellationToken).ConfigureAwait(false) is { } other)
                {
                    return other;
                }
            }

            // Given up between the two statements: ask again.
        }
    }

    private static async Task<ReplicaHolder?> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new ReplicaHolder(reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)))
            : null;
    }

    public async ValueTask ReleaseAsync(ReplicaIdentity replica, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM portcullis_replicas WHERE replica_id = @id AND owner = @owner");
        command.Parameters.AddWithValue("id", replica.Id);
        command.Parameters.AddWithValue("owner", replica.Owner);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
