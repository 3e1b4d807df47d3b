using Npgsql;
using Portcullis.Core.Idempotency;
using Portcullis.Core.Review;
using Portcullis.Core.State;
using Portcullis.Stores.Contract;

namespace Portcullis.Stores.Postgres.Tests;

/// <summary>The store contract against a real PostgreSQL, plus what is PostgreSQL's own: the migrated schema.</summary>
[Collection("postgres")]
public sealed class PostgresIdempotencyStoreTests(PostgresServerFixture fixture) : IdempotencyStoreContract
{
    private NpgsqlDataSource? _dataSource;

    protected override async Task<IIdempotencyStore> CreateStore()
    {
        var server = fixture.Server;
        _dataSource = PostgresDataSource.Create(await server.CreateSchemaAsync());
        await PostgresSchema.MigrateAsync(_dataSource, CancellationToken.None);
        return new PostgresIdempotencyStore(_dataSource, new ReplicaIdentity("gw-a", "0000000000000001", null));
    }

    public override async Task DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
    }

    /// <summary>A creation no date can hold, which orders before every other (newest first).</summary>
    protected override async Task DamageCreationAsync(IdempotencyScope scope)
    {
        await using var update = _dataSource!.CreateCommand("UPDATE portcullis_idempotency SET created_at = 9223372036854775807 WHERE key = @key");
        update.Parameters.AddWithValue("key", scope.Key);
        Assert.Equal(1, await update.ExecuteNonQueryAsync(Deadline));
    }

    /// <summary>
    /// A held row whose review the claim cannot read (a column of it set to NULL, a time no date can hold, approvals that
    /// are not JSON, by hand or by another program): before, its retry threw and answered 500 <c>internal</c>, while the
    /// list showed it <c>awaiting_review</c> and the reviewers' list failed on it. It is now answered and listed
    /// outcome-unknown, <c>review</c> (or <c>review_id</c>) named unreadable, and left out of the reviewers' list.
    /// </summary>
    [Theory]
    [InlineData("review_mode = NULL", "review")]
    [InlineData("review_arguments = NULL", "review")]
    [InlineData("review_correlation_id = NULL", "review")]
    [InlineData("review_expires_at = NULL", "review")]
    [InlineData("review_expires_at = 9223372036854775807", "review")]
    [InlineData("review_required = NULL", "review")]
    [InlineData("review_approvals = NULL", "review")]
    [InlineData("review_approvals = 'not json'", "review")]
    [InlineData("review_approvals = '[[\"bob\"]]'", "review")]
    [InlineData("review_decision = true", "review")]
    [InlineData("review_id = NULL", "review_id")]
    public Task ListAndClaim_HeldRowWhoseReviewCannotBeRead_IsJudgedAsItsClaimAnswersIt(string damage, string named) =>
        AssertHeldRecordWhoseReviewCannotBeReadIsJudgedAsItsClaimAnswersIt(async () =>
        {
            await using var update = _dataSource!.CreateCommand($"UPDATE portcullis_idempotency SET {damage}");
            Assert.Equal(1, await update.ExecuteNonQueryAsync(Deadline));
        }, named);

    /// <summary>
    /// Paging past held rows whose review cannot be read, one key a page: the reviewers' list and the list of keys under a
    /// state leave such a row out, and a page they filled short still gives the cursor after its last row read, so no
    /// sound review or key after it is lost (each listed once).
    /// </summary>
    [Fact]
    public Task ListPages_HeldRowsWhoseReviewCannotBeRead_LeftOutWithoutLosingTheRest() =>
        AssertPagingPastHeldRecordsWhoseReviewCannotBeReadLosesNothing(async () =>
        {
            await using var damage = _dataSource!.CreateCommand("""
                UPDATE portcullis_idempotency SET review_mode = NULL WHERE key = 'k-0';
                UPDATE portcullis_idempotency SET review_approvals = '[["bob"]]' WHERE key = 'k-3';
                """);
            Assert.Equal(2, await damage.ExecuteNonQueryAsync(Deadline));
        });

    /// <summary>
    /// Before, a held row whose review cannot be read (answered outcome-unknown, left out of the reviewers' list) still
    /// took one of its principal's places under review.max_pending_per_principal until its deadline: a caller was refused
    /// review with no reviewer able to see or decide what held its place. The count now leaves out exactly the rows the
    /// reviewers' list leaves out.
    /// </summary>
    [Theory]
    [InlineData("review_mode = NULL")]
    [InlineData("review_required = NULL")]
    [InlineData("created_at = 9223372036854775807")]
    [InlineData("review_approvals = 'not json'")]
    [InlineData("review_approvals = '[[\"bob\"]]'")]
    [InlineData("review_approvals = '[[\"bob\", \"soon\"]]'")]
    public Task PendingLimit_HeldRowWhoseReviewCannotBeRead_TakesNoPlace(string damage) =>
        AssertPendingLimitLeavesOutHeldRecordsWhoseReviewCannotBeRead(async scope =>
        {
            await using var update = _dataSource!.CreateCommand($"UPDATE portcullis_idempotency SET {damage} WHERE key = @key");
            update.Parameters.AddWithValue("key", scope.Key);
            Assert.Equal(1, await update.ExecuteNonQueryAsync(Deadline));
        });

    protected override async Task LoseResultAsync(IdempotencyScope scope)
    {
        await using var update = _dataSource!.CreateCommand("UPDATE portcullis_idempotency SET result = NULL WHERE key = @key");
        update.Parameters.AddWithValue("key", scope.Key);
        Assert.Equal(1, await update.ExecuteNonQueryAsync(Deadline));
    }

    /// <summary>
    /// The admin reads of a row damaged by hand or by another program: before, a time no date can hold or a settlement
    /// without its time made the whole list throw (the admin API answered 500 for every operator). Now the row is listed
    /// with what could not be read named, in the state its retries are answered by.
    /// </summary>
    [Theory]
    [InlineData("lease_expires_at = 9223372036854775807", "lease_expires_at")]
    [InlineData("updated_at = -9223372036854775808", "updated_at")]
    [InlineData("resolved_executed = true", "resolution")]
    public async Task ListAndGet_RowTheStoreCannotRead_IsListedWithWhatCouldNotBeRead(string damage, string field)
    {
        var first = await Claim(Scope());
        Assert.True(await Store.CompleteAsync(Scope(), first.Token!, "{}", Time.GetUtcNow(), Deadline));
        await using (var update = _dataSource!.CreateCommand($"UPDATE portcullis_idempotency SET {damage}"))
        {
            Assert.Equal(1, await update.ExecuteNonQueryAsync(Deadline));
        }

        var listed = Assert.Single((await List()).Records);
        Assert.Equal(IdempotencyState.Completed, listed.State);
        Assert.Equal([field], listed.Unreadable!.Fields);
        Assert.Contains("key = 'k-1'", listed.Unreadable.StoreKey, StringComparison.Ordinal);
        Assert.Equal([field], (await Get(Scope()))!.Unreadable!.Fields);
    }

    /// <summary>
    /// Before, a cursor holding a NUL or a lone surrogate reached PostgreSQL, which refused the query (22021): the admin
    /// API answered 500 instead of 400 for a cursor it never gave out.
    /// </summary>
    [Theory]
    [InlineData("records", "WyIxIiwiZVx1MDAwMCIsImMiLCJwIiwidCIsImsiXQ==")] // ["1","e\u0000","c","p","t","k"]
    [InlineData("records", "WyIxIiwiZSIsImMiLCJwXHVkODAwIiwidCIsImsiXQ==")] // ["1","e","c","p\ud800","t","k"]
    [InlineData("reviews", "MSwA")] // "1,\0"
    public async Task List_ACursorWithTextNoStoreKeeps_IsAnArgumentError(string list, string cursor)
    {
        var store = await CreateStore();
        var now = DateTimeOffset.UtcNow;

        await Assert.ThrowsAsync<ArgumentException>(async () =>
        {
            if (list == "records")
            {
                await store.ListAsync(new IdempotencyListRequest(now, TimeSpan.FromHours(1)) { Cursor = cursor }, CancellationToken.None);
            }
            else
            {
                await store.ListReviewsAsync(new Core.Review.ReviewListRequest(now, TimeSpan.FromHours(1)) { Cursor = cursor }, CancellationToken.None);
            }
        }).WaitAsync(Timeout);
    }

    [Fact]
    public async Task Migrate_ManyReplicasAtOnce_AppliesEachMigrationOnce()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => PostgresSchema.MigrateAsync(_dataSource!, CancellationToken.None))).WaitAsync(Timeout);

        await using var command = _dataSource!.CreateCommand("SELECT count(*) FROM portcullis_schema_version");
        Assert.All(results, v => Assert.Equal(PostgresSchema.Version, v));
        Assert.Equal((long)PostgresSchema.Version, (long)(await command.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Claim_StoresTheOwner()
    {
        await Claim(Scope());

        await using var command = _dataSource!.CreateCommand("SELECT owner FROM portcullis_idempotency");
        Assert.Equal("gw-a#0000000000000001", (string)(await command.ExecuteScalarAsync())!);
    }
}
