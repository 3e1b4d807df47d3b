using System.Diagnostics;
using Npgsql;
using Portcullis.Core.Audit;
using Portcullis.Core.Idempotency;
using Portcullis.Core.State;

namespace Portcullis.Stores.Postgres.Tests;

/// <summary>
/// The admin plane's searches (the listing of keys, the audit search) on a server that is slow but alive: waited for past
/// the store's 6 s bound (a frozen server is not: <see cref="PostgresFrozenServerTests"/>), since a page of a big table
/// may rightly take that long; and the server's own limit they run under is theirs alone.
/// </summary>
[Collection("postgres")]
public sealed class PostgresSearchTests(PostgresServerFixture fixture)
{
    private static readonly TimeSpan Retention = TimeSpan.FromDays(1);

    /// <summary>Held behind a table lock past the bound (a slow scan's stand-in), the search is answered once the lock goes.</summary>
    [Theory]
    [InlineData("key-list", "portcullis_idempotency")]
    [InlineData("audit-query", "portcullis_audit_events")]
    public Task Search_ServerSlowButAlive_AnsweredPastTheBound(string operation, string table) =>
        SlowButAliveAsync(operation, table, "");

    /// <summary>
    /// The same with every pooled connection taken (here the one of a pool of one, the search's own): before, the check
    /// found no connection within <c>Timeout</c> and the live server's search was abandoned as a frozen one's after 6 s.
    /// </summary>
    [Theory]
    [InlineData("key-list", "portcullis_idempotency")]
    [InlineData("audit-query", "portcullis_audit_events")]
    public Task Search_ServerSlowButAlive_PoolFull_AnsweredPastTheBound(string operation, string table) =>
        SlowButAliveAsync(operation, table, ";Maximum Pool Size=1");

    private async Task SlowButAliveAsync(string operation, string table, string settings)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var connectionString = await fixture.Server.CreateSchemaAsync();
        await using var dataSource = PostgresDataSource.Create(connectionString + settings);
        await PostgresSchema.MigrateAsync(dataSource, timeout.Token);
        var store = new PostgresIdempotencyStore(dataSource, new ReplicaIdentity("gw-a", "0000000000000001", null));
        var audit = new PostgresAuditStore(dataSource);
        var now = DateTimeOffset.UtcNow;
        var scope = new IdempotencyScope("prod", "crm", "alice", "add_note", "k-1");
        Assert.Equal(ClaimStatus.Claimed, (await store.TryClaimAsync(new IdempotencyClaimRequest(scope, "fp-1", "c-1", now, TimeSpan.FromMinutes(5), Retention), timeout.Token)).Status);
        await audit.WriteAsync([new AuditEvent { Time = now, CorrelationId = "c-1", Environment = "prod", Kind = "tool_call", Decision = "allowed", Principal = "alice" }], timeout.Token);
        var bound = PostgresDeadline.For(dataSource).Bound;

        await using var holder = new NpgsqlConnection(connectionString);
        await holder.OpenAsync(timeout.Token);
        Task<int> search;
        var elapsed = Stopwatch.StartNew();
        await using (var transaction = await holder.BeginTransactionAsync(timeout.Token))
        {
            await using (var lockTable = new NpgsqlCommand($"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE", holder, transaction))
            {
                await lockTable.ExecuteNonQueryAsync(timeout.Token);
            }

            elapsed.Restart();
            search = operation == "key-list"
                ? Task.Run(async () => (await store.ListAsync(new IdempotencyListRequest(now, Retention) { Environment = "prod" }, timeout.Token)).Records.Count)
                : Task.Run(async () => (await audit.QueryAsync(new AuditQuery { Principal = "alice" }, timeout.Token)).Events.Count);
            await using (var waiting = new NpgsqlCommand($"SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = '{table}'::regclass", holder, transaction))
            {
                while ((long)(await waiting.ExecuteScalarAsync(timeout.Token))! == 0)
                {
                    await Task.Delay(50, timeout.Token);
                }
            }

            // Past the bound a frozen server is given, and a few seconds more.
            await Task.WhenAny(search, Task.Delay(bound + TimeSpan.FromSeconds(3), timeout.Token));
            Assert.False(search.IsCompleted, $"{operation} ended while the lock was held: {search.Exception}");
        }

        Assert.Equal(1, await search.WaitAsync(timeout.Token));
        Assert.True(elapsed.Elapsed > bound, $"{operation} answered in {elapsed.Elapsed}");
    }

    /// <summary>
    /// The server's limit for a search's statements is set for its transaction alone: the pooled connection it ran on
    /// (kept without <c>DISCARD ALL</c>) has none afterwards, so a call's statement on it is not cut short or lengthened.
    /// </summary>
    [Fact]
    public async Task Search_LeavesNoStatementTimeoutOnItsConnection()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var dataSource = PostgresDataSource.Create(await fixture.Server.CreateSchemaAsync() + ";Maximum Pool Size=1");
        await PostgresSchema.MigrateAsync(dataSource, timeout.Token);
        var store = new PostgresIdempotencyStore(dataSource, new ReplicaIdentity("gw-a", "0000000000000001", null));

        await store.ListAsync(new IdempotencyListRequest(DateTimeOffset.UtcNow, Retention), timeout.Token);
        await new PostgresAuditStore(dataSource).QueryAsync(new AuditQuery(), timeout.Token);

        await using var show = dataSource.CreateCommand("SHOW statement_timeout");
        Assert.Equal("0", await show.ExecuteScalarAsync(timeout.Token));
    }
}
