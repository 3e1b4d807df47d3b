using Npgsql;
using Portcullis.Core.Idempotency;
using Portcullis.Core.State;

namespace Portcullis.Stores.Postgres.Tests;

/// <summary>The store's data source: prepared statements and no reset on close unless the connection string says otherwise.</summary>
[Collection("postgres")]
public sealed class PostgresDataSourceTests(PostgresServerFixture fixture)
{
    [Fact]
    public async Task Create_StringSetsNeither_PreparesAutomaticallyAndSkipsTheReset()
    {
        await using var dataSource = PostgresDataSource.Create("Host=/tmp;Username=u");

        var settings = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        Assert.Equal(PostgresDataSource.AutoPrepared, settings.MaxAutoPrepare);
        Assert.True(settings.NoResetOnClose);
        Assert.Equal(PostgresDataSource.RequestTimeoutSeconds, settings.Timeout);
        Assert.Equal(PostgresDataSource.RequestTimeoutSeconds, settings.CommandTimeout);
    }

    [Fact]
    public async Task Create_StringSetsTimeouts_KeepsThem()
    {
        await using var dataSource = PostgresDataSource.Create("Host=/tmp;Username=u;timeout=20;Command Timeout=40");

        var settings = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        Assert.Equal(20, settings.Timeout);
        Assert.Equal(40, settings.CommandTimeout);
    }

    /// <summary>
    /// A claim that the server does not answer (here: blocked behind a lock; a frozen server the same) is given up after
    /// the request timeout as an outage (<c>state_unavailable</c>). Before, it waited Npgsql's 30 s per statement.
    /// </summary>
    [Fact]
    public async Task Claim_ServerDoesNotAnswer_IsAnOutageWithinTheRequestTimeout()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await using var dataSource = PostgresDataSource.Create(await fixture.Server.CreateSchemaAsync());
        await PostgresSchema.MigrateAsync(dataSource, timeout.Token);
        var store = new PostgresIdempotencyStore(dataSource, new ReplicaIdentity("gw-a", "0000000000000001", null));
        await using var holder = await dataSource.OpenConnectionAsync(timeout.Token);
        await using var transaction = await holder.BeginTransactionAsync(timeout.Token);
        await using (var lockTable = new NpgsqlCommand("LOCK TABLE portcullis_idempotency IN ACCESS EXCLUSIVE MODE", holder, transaction))
        {
            await lockTable.ExecuteNonQueryAsync(timeout.Token);
        }

        var scope = new IdempotencyScope("prod", "crm", "alice", "add_note", "k-blocked");
        var outage = await Assert.ThrowsAnyAsync<Exception>(async () => await store.TryClaimAsync(Request(scope, "corr-blocked", DateTimeOffset.UtcNow), timeout.Token));

        Assert.False(timeout.IsCancellationRequested, "the claim waited past 20 s");
        Assert.True(new PostgresStateStore(dataSource, store).IsUnavailable(outage), outage.ToString());
    }

    /// <summary>
    /// A server that stops answering altogether (every process frozen, its sockets open, as on a hung host): a claim is
    /// given up as an outage within the request timeout and a little more. Before, it took about 15 s: on the statement's
    /// timeout Npgsql asks the server to cancel it on a new connection, and waits for that frozen server too.
    /// </summary>
    [Fact]
    public async Task Claim_ServerFrozen_IsAnOutageWithinTheRequestTimeout()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var dataSource = PostgresDataSource.Create(await fixture.Server.CreateSchemaAsync());
        await PostgresSchema.MigrateAsync(dataSource, timeout.Token);
        var store = new PostgresIdempotencyStore(dataSource, new ReplicaIdentity("gw-a", "0000000000000001", null));
        var scope = new IdempotencyScope("prod", "crm", "alice", "add_note", "k-frozen");
        Assert.Equal(ClaimStatus.Claimed, (await store.TryClaimAsync(Request(scope with { Key = "k-warm" }, "corr-warm", DateTimeOffset.UtcNow), timeout.Token)).Status);

        await fixture.Server.PauseAsync();
        var elapsed = System.Diagnostics.Stopwatch.StartNew();
        Exception outage;
        try
        {
            outage = await Assert.ThrowsAnyAsync<Exception>(async () => await store.TryClaimAsync(Request(scope, "corr-frozen", DateTimeOffset.UtcNow), timeout.Token));
            elapsed.Stop();
        }
        finally
        {
            await fixture.Server.ResumeAsync();
        }

        Assert.True(new PostgresStateStore(dataSource, store).IsUnavailable(outage), outage.ToString());
        // The bound is 6 s; Npgsql alone answered after 15 s. The margin is for a busy 2-core machine.
        Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(PostgresDataSource.RequestTimeoutSeconds + 5), $"answered in {elapsed.Elapsed}");
    }

    [Theory]
    [InlineData("Host=/tmp;Username=u;Max Auto Prepare=0;No Reset On Close=false")]
    [InlineData("Host=/tmp;Username=u;max auto prepare=0;NO RESET ON CLOSE=false")]
    public async Task Create_StringSetsBoth_KeepsTheOperatorsValues(string connectionString)
    {
        await using var dataSource = PostgresDataSource.Create(connectionString);

        var settings = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        Assert.Equal(0, settings.MaxAutoPrepare);
        Assert.False(settings.NoResetOnClose);
    }

    [Fact]
    public async Task IsUnavailable_NoServerThere_IsAnOutage_AStatementError_IsNot()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var nowhere = PostgresDataSource.Create($"Host={Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"))};Username=u;Timeout=2");
        var store = new PostgresStateStore(nowhere, null!);
        var outage = await Assert.ThrowsAnyAsync<Exception>(async () => await store.GetTimeAsync(timeout.Token));
        Assert.True(store.IsUnavailable(outage), outage.ToString());

        await using var dataSource = PostgresDataSource.Create(await fixture.Server.CreateSchemaAsync());
        await using var bad = dataSource.CreateCommand("SELECT * FROM no_such_table");
        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await bad.ExecuteScalarAsync(timeout.Token));
        Assert.False(new PostgresStateStore(dataSource, null!).IsUnavailable(error), error.ToString());
    }

    /// <summary>
    /// A server that takes no writes (a hot standby a failover left the connection on, <c>default_transaction_read_only</c>)
    /// or that cancels the statement itself (its own <c>statement_timeout</c>) cannot hold a claim now, as Redis's
    /// <c>READONLY</c> cannot: an outage (<c>state_unavailable</c>, retryable), not the gateway's defect.
    /// </summary>
    [Theory]
    [InlineData("default_transaction_read_only=on", false)]
    [InlineData("statement_timeout=200", true)]
    public async Task IsUnavailable_ServerTakesNoWritesOrCancelsTheStatement_IsAnOutage(string setting, bool tableLocked)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var connection = await fixture.Server.CreateSchemaAsync();
        await using var writable = PostgresDataSource.Create(connection);
        await PostgresSchema.MigrateAsync(writable, timeout.Token);
        await using var holder = await writable.OpenConnectionAsync(timeout.Token);
        await using var transaction = await holder.BeginTransactionAsync(timeout.Token);
        await using (var lockTable = new NpgsqlCommand(tableLocked ? "LOCK TABLE portcullis_idempotency IN ACCESS EXCLUSIVE MODE" : "SELECT 1", holder, transaction))
        {
            await lockTable.ExecuteNonQueryAsync(timeout.Token);
        }

        await using var dataSource = PostgresDataSource.Create($"{connection};Options=-c {setting}");
        var store = new PostgresIdempotencyStore(dataSource, new ReplicaIdentity("gw-a", "0000000000000001", null));
        var scope = new IdempotencyScope("prod", "crm", "alice", "add_note", "k-refused");
        var outage = await Assert.ThrowsAnyAsync<Exception>(async () => await store.TryClaimAsync(Request(scope, "corr-refused", DateTimeOffset.UtcNow), timeout.Token));

        Assert.True(new PostgresStateStore(dataSource, store).IsUnavailable(outage), outage.ToString());
    }

    /// <summary>
    /// A new connection the server refuses at login (a role dropped, here; a database dropped; a password rotated, shown
    /// by its code since the test server trusts local connections): before, every call that needed one answered
    /// <c>internal</c>, a defect no retry gets past; now <c>state_unavailable</c>, waited out until an operator mends it.
    /// </summary>
    [Theory]
    [InlineData("Username=no_such_role", "28000")]
    [InlineData("Database=no_such_database", "3D000")]
    public async Task IsUnavailable_TheServerRefusesTheLogin_IsAnOutage(string setting, string sqlState)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var dataSource = PostgresDataSource.Create($"{await fixture.Server.CreateSchemaAsync()};{setting}");
        var store = new PostgresStateStore(dataSource, null!);

        var refused = await Assert.ThrowsAnyAsync<PostgresException>(async () => await store.GetTimeAsync(timeout.Token));

        Assert.Equal(sqlState, refused.SqlState);
        Assert.True(store.IsUnavailable(refused), refused.ToString());
        var rotated = new PostgresException("password authentication failed for user \"portcullis\"", "FATAL", "FATAL", PostgresErrorCodes.InvalidPassword);
        Assert.True(store.IsUnavailable(rotated), rotated.ToString());
    }

    /// <summary>
    /// What PgBouncer answers in the server's stead when it cannot reach it (shown with PgBouncer 1.18 in front of a stopped
    /// server, each a <c>FATAL</c> that ends the connection): an outage the calls wait out, not the gateway's defect.
    /// </summary>
    [Theory]
    [InlineData("server login has been failing, try again later (server_login_retry)")]
    [InlineData("query_wait_timeout")]
    [InlineData("pgbouncer cannot connect to server")]
    public void IsUnavailable_PgBouncerCannotReachTheServer_IsAnOutage(string message)
    {
        var refused = new PostgresException(message, "FATAL", "FATAL", PostgresErrorCodes.ProtocolViolation);

        Assert.True(new PostgresStateStore(null!, null!).IsUnavailable(refused), refused.ToString());
    }

    /// <summary>
    /// On one pooled connection, so every statement runs often enough to be prepared: claims, completions and replays
    /// give the same answers once their statements are prepared as before.
    /// </summary>
    [Fact]
    public async Task Store_StatementsPrepared_AnswersAsBefore()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var dataSource = PostgresDataSource.Create(await fixture.Server.CreateSchemaAsync() + ";Maximum Pool Size=1");
        await PostgresSchema.MigrateAsync(dataSource, timeout.Token);
        var store = new PostgresIdempotencyStore(dataSource, new ReplicaIdentity("gw-a", "0000000000000001", null));
        var now = DateTimeOffset.UtcNow;

        for (var i = 0; i < 12; i++)
        {
            var scope = new IdempotencyScope("prod", "crm", "alice", "add_note", $"k-{i}");
            var claim = await store.TryClaimAsync(Request(scope, $"corr-{i}", now), timeout.Token);
            Assert.Equal(ClaimStatus.Claimed, claim.Status);
            Assert.True(await store.CompleteAsync(scope, claim.Token!, $$"""{"n":{{i}}}""", now, timeout.Token));

            var replay = await store.TryClaimAsync(Request(scope, "corr-again", now), timeout.Token);
            Assert.Equal(ClaimStatus.Completed, replay.Status);
            Assert.Equal($$"""{"n":{{i}}}""", replay.ResultJson);
            Assert.Equal($"corr-{i}", replay.OriginalCorrelationId);
        }

        await using var prepared = dataSource.CreateCommand("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%portcullis_idempotency%'");
        Assert.True((long)(await prepared.ExecuteScalarAsync(timeout.Token))! >= 2);
    }

    private static IdempotencyClaimRequest Request(IdempotencyScope scope, string correlationId, DateTimeOffset now) =>
        new(scope, "fp-1", correlationId, now, TimeSpan.FromMinutes(5), TimeSpan.FromDays(1));
}
