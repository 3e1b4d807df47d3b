using Npgsql;
using Portcullis.Core.State;

namespace Portcullis.Stores.Postgres;

/// <summary>The PostgreSQL store as a whole: its schema is migrated at start, then this replica's abandoned claims are settled.</summary>
internal sealed class PostgresStateStore(NpgsqlDataSource dataSource, PostgresIdempotencyStore idempotency) : IStateStore
{
    public string Name => "postgres";

    public async ValueTask PrepareAsync(CancellationToken cancellationToken) => await PostgresSchema.MigrateAsync(dataSource, cancellationToken).ConfigureAwait(false);

    public ValueTask<int> RecoverAsync(DateTimeOffset now, CancellationToken cancellationToken) => idempotency.RecoverAsync(now, cancellationToken);

    /// <remarks>
    /// Npgsql's own judgement: a broken or refused connection, a timeout, and the server's transient states (shutting down,
    /// too many connections). Also a server that takes no writes now (a hot standby a failover left the connection on,
    /// <c>default_transaction_read_only</c>: Redis's <c>READONLY</c>) and a statement the server cancelled itself (its own
    /// <c>statement_timeout</c>, an operator's <c>pg_cancel_backend</c>), and what PgBouncer answers in the server's stead
    /// when it cannot reach it (<c>08P01</c>: <c>server login has been failing</c>, <c>query_wait_timeout</c>), which
    /// Npgsql does not count as transient. And a new connection the server refuses at login (a rotated password,
    /// <c>28P01</c>; a role or <c>pg_hba.conf</c> entry removed, <c>28000</c>; the database gone, <c>3D000</c>): the
    /// store is out of this gateway's reach until an operator mends it, so a call waits it out as <c>state_unavailable</c>
    /// rather than being told of a defect (<c>internal</c>) that no retry would get past.
    /// </remarks>
    public bool IsUnavailable(Exception exception) => exception is NpgsqlException { IsTransient: true } or TimeoutException
        or PostgresException
        {
            SqlState: PostgresErrorCodes.ReadOnlySqlTransaction or PostgresErrorCodes.QueryCanceled or PostgresErrorCodes.ProtocolViolation
                or PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification or PostgresErrorCodes.InvalidCatalogName,
        };

    public async ValueTask<DateTimeOffset> GetTimeAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT clock_timestamp()");
        var value = (DateTime)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        return new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Utc));
    }
}
