using Npgsql;
using Portcullis.Core.Configuration;

namespace Portcullis.Stores.Postgres.Tests;

/// <summary>
/// The rate-limit upsert commits asynchronously for itself only: the connection it ran on goes back to the pool with
/// the session's own <c>synchronous_commit</c>, so the idempotency claims that reuse it stay durable.
/// </summary>
[Collection("postgres")]
public sealed class PostgresRateLimiterTests(PostgresServerFixture fixture)
{
    [Fact]
    public async Task Acquire_SessionCommitsSynchronously_CountsAndLeavesTheSessionSettingAlone()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var schema = await fixture.Server.CreateSchemaAsync();
        // One pooled connection, whose session commits synchronously, so the next command reuses the limiter's; not
        // reset when it goes back to the pool, so a setting the upsert left on the session would still be there.
        await using var dataSource = NpgsqlDataSource.Create(schema + ";Maximum Pool Size=1;No Reset On Close=true;Options=-c synchronous_commit=on");
        await PostgresSchema.MigrateAsync(dataSource, timeout.Token);
        using var limiter = new PostgresRateLimiterProvider(dataSource).Create("calls", new RateLimitConfig { Permits = 2, WindowSeconds = 60 });

        var leases = new List<bool>();
        for (var i = 0; i < 3; i++)
        {
            using var lease = await limiter.AcquireAsync("alice", 1, timeout.Token);
            leases.Add(lease.IsAcquired);
        }

        await using var show = dataSource.CreateCommand("SHOW synchronous_commit");
        var setting = (string?)await show.ExecuteScalarAsync(timeout.Token);

        Assert.Equal([true, true, false], leases);
        Assert.Equal("on", setting);
    }
}
