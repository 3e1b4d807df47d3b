using System.Threading.RateLimiting;
using Npgsql;
using Portcullis.Core.RateLimiting;

namespace Portcullis.Stores.Postgres;

/// <summary>
/// A fixed window per principal, counted by one atomic upsert on the database's clock: the window starts at a
/// principal's first call, and a call is let through while the window's count is within the limit.
/// The upsert commits asynchronously (<c>synchronous_commit</c> off for its own transaction only): a call does not
/// wait for the counter's WAL flush, and a PostgreSQL crash can forget at most the last moment's counts, which only
/// lets a caller a few calls more in that window. Nothing else the gateway stores is committed this way.
/// </summary>
internal sealed class PostgresFixedWindowLimiter(NpgsqlDataSource dataSource, string name, int permits, TimeSpan window) : PartitionedRateLimiter<string>
{
    // SET expressions all read the row as it was, so both CASEs decide on the same old window. The clock CTE is
    // read by every branch, so its set_config (local to this statement's transaction) always runs before the commit.
    private const string Sql = """
        WITH clock AS (SELECT (extract(epoch FROM now()) * 1000)::bigint AS ms, set_config('synchronous_commit', 'off', true) AS commit_mode)
        INSERT INTO portcullis_rate_limits AS r (name, principal, window_end, count)
        SELECT @name, @principal, clock.ms + @window, @permits FROM clock
        ON CONFLICT (name, principal) DO UPDATE SET
            count = CASE WHEN r.window_end <= (SELECT ms FROM clock) THEN EXCLUDED.count ELSE r.count + @permits END,
            window_end = CASE WHEN r.window_end <= (SELECT ms FROM clock) THEN EXCLUDED.window_end ELSE r.window_end END
        RETURNING count, window_end - (SELECT ms FROM clock)
        """;

    private readonly PostgresDeadline _deadline = PostgresDeadline.For(dataSource);

    public override RateLimiterStatistics? GetStatistics(string resource) => null;

    protected override RateLimitLease AttemptAcquireCore(string resource, int permitCount) =>
        AcquireAsyncCore(resource, permitCount, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    /// <remarks>Bounded (<see cref="PostgresDeadline"/>): a call's count is its first statement, so a frozen server is met here first.</remarks>
    protected override ValueTask<RateLimitLease> AcquireAsyncCore(string resource, int permitCount, CancellationToken cancellationToken) =>
        permitCount == 0 ? ValueTask.FromResult(FixedWindowLease.Granted) : _deadline.RunAsync(ct => CountAsync(resource, permitCount, ct), cancellationToken);

    private async ValueTask<RateLimitLease> CountAsync(string resource, int permitCount, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("principal", resource);
        command.Parameters.AddWithValue("window", (long)window.TotalMilliseconds);
        command.Parameters.AddWithValue("permits", permitCount);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var count = reader.GetInt32(0);
        var remaining = TimeSpan.FromMilliseconds(Math.Max(0, reader.GetInt64(1)));
        return count <= permits ? FixedWindowLease.Granted : FixedWindowLease.Refused(remaining);
    }
}
