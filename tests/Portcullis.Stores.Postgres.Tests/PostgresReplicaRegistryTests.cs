using Npgsql;
using Portcullis.Core.State;

namespace Portcullis.Stores.Postgres.Tests;

/// <summary>The PostgreSQL registry beyond the shared contract: holds racing on one row.</summary>
[Collection("postgres")]
public sealed class PostgresReplicaRegistryTests(PostgresServerFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A renewal blocked behind another process's takeover, which then commits, reports the new holder. Before, it read
    /// the holder within its own statement's snapshot, from before the takeover: the renewer was told it still held the id.
    /// </summary>
    [Fact]
    public async Task Renewal_WhileATakeoverCommits_ReportsTheNewHolder()
    {
        var connection = await fixture.Server.CreateSchemaAsync().WaitAsync(Timeout);
        await using var dataSource = PostgresDataSource.Create(connection);
        await PostgresSchema.MigrateAsync(dataSource, CancellationToken.None).WaitAsync(Timeout);
        var registry = new PostgresReplicaRegistry(dataSource);
        var a = new ReplicaIdentity("gw-a", "00000000000000a1", null);
        var now = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000);
        await registry.HoldAsync(a, now, now.AddSeconds(15), null, CancellationToken.None).AsTask().WaitAsync(Timeout);

        // Another process takes the id over (its statement holds the row lock until it commits).
        await using var other = new NpgsqlConnection(connection);
        await other.OpenAsync().WaitAsync(Timeout);
        await using var tx = await other.BeginTransactionAsync().AsTask().WaitAsync(Timeout);
        await using (var take = new NpgsqlCommand("UPDATE portcullis_replicas SET owner = 'gw-a#00000000000000b2', renewed_at = renewed_at + 6000, held_until = held_until + 6000", other, tx))
        {
            Assert.Equal(1, await take.ExecuteNonQueryAsync().WaitAsync(Timeout));
        }

        var renewal = registry.HoldAsync(a, now.AddSeconds(2), now.AddSeconds(17), null, CancellationToken.None).AsTask();
        await Task.Delay(1000);
        Assert.False(renewal.IsCompleted);
        await tx.CommitAsync().WaitAsync(Timeout);
        var holder = await renewal.WaitAsync(Timeout);

        await using var check = dataSource.CreateCommand("SELECT owner FROM portcullis_replicas");
        var actual = (string)(await check.ExecuteScalarAsync().WaitAsync(Timeout))!;
        Assert.Equal("gw-a#00000000000000b2", actual);
        Assert.Equal("gw-a#00000000000000b2", holder.Owner);
    }
}
