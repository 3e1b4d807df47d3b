using Npgsql;
using Portcullis.Core.State;

namespace Portcullis.Stores.Postgres;

/// <summary>The PostgreSQL store as a whole: its schema is migrated at start, then this replica's abandoned claims are settled.</summary>
internal sealed class PostgresStateStore(NpgsqlDataSource dataSource, PostgresIdempotencyStore idempotency) : IStateStore
{
    public string Name => "postgres";

    public async ValueTask PrepareAsync(CancellationToken cancellationToken) => await PostgresSchema.MigrateAsync(dataSource, cancellationToken).ConfigureAwait(false);

    public ValueTask<int> RecoverAsync(DateTimeOffset now, CancellationToken cancellationToken) => idempotency.RecoverAsync(now, cancellationToken);

    /// <remarks>Npgsql's own judgement: a broken or refused connection, a timeout, and the server's transient states (shutting down, too many connections).</remarks>
    public bool IsUnavailable(Exception exception) => exception is NpgsqlException { IsTransient: true } or TimeoutException;

    public async ValueTask<DateTimeOffset> GetTimeAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT clock_timestamp()");
        var value = (DateTime)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        return new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Utc));
    }
}
