using Microsoft.Data.Sqlite;
using Portcullis.Core.Idempotency;
using Portcullis.Core.Review;
using Portcullis.Stores.Contract;

namespace Portcullis.Stores.Sqlite.Tests;

/// <summary>The store contract against a real SQLite file, plus what is SQLite's own: surviving a restart.</summary>
public sealed class SqliteIdempotencyStoreTests : IdempotencyStoreContract
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "portcullis-tests", "sqlite-" + Guid.NewGuid().ToString("N")[..12]);

    private string DbPath => Path.Combine(_dir, "idempotency.db");

    protected override Task<IIdempotencyStore> CreateStore()
    {
        Directory.CreateDirectory(_dir);
        return Task.FromResult<IIdempotencyStore>(new SqliteIdempotencyStore(DbPath, TimeSpan.FromSeconds(30)));
    }

    /// <summary>
    /// A record whose times are not numbers (SQLite keeps what it is given): before, SQLite read them as 0, an expired
    /// key, so the claim took it and the call ran again although its first run had completed. Its outcome cannot be told,
    /// so it answers outcome-unknown, as Redis and PostgreSQL answer a record they cannot read, and is left as it is.
    /// </summary>
    [Theory]
    [InlineData("created_at")]
    [InlineData("lease_expires_at")]
    public async Task Claim_RecordWhoseTimesAreNotNumbers_AnswersOutcomeUnknown_AndLeavesItAlone(string column)
    {
        var first = await Claim(Scope());
        Assert.True(await Store.CompleteAsync(Scope(), first.Token!, "{}", Time.GetUtcNow(), Deadline));
        await using (var connection = new SqliteConnection($"Data Source={DbPath}"))
        {
            await connection.OpenAsync(Deadline);
            await using var damage = connection.CreateCommand();
            damage.CommandText = $"UPDATE idempotency SET {column} = 'garbage'";
            Assert.Equal(1, await damage.ExecuteNonQueryAsync(Deadline));
        }

        var again = await Claim(Scope(), correlationId: "corr-again");

        Assert.Equal(ClaimStatus.OutcomeUnknown, again.Status);
        Assert.Equal("corr-1", again.OriginalCorrelationId);
        await using var check = new SqliteConnection($"Data Source={DbPath}");
        await check.OpenAsync(Deadline);
        await using var read = check.CreateCommand();
        read.CommandText = $"SELECT correlation_id || ' ' || {column} FROM idempotency";
        Assert.Equal("corr-1 garbage", (string?)await read.ExecuteScalarAsync(Deadline));
    }

    /// <summary>
    /// The admin reads of a row damaged by hand or by another program: before, a settlement without its time made the
    /// whole list throw (the admin API answered 500 for every operator), and a time that is not a number was shown as
    /// 1970 on a record still called completed, though its retries answer outcome-unknown. Now each is listed, under
    /// outcome_unknown when the claim answers so, with what could not be read named.
    /// </summary>
    [Theory]
    [InlineData("created_at", "created_at")]
    [InlineData("lease_expires_at", "lease_expires_at")]
    [InlineData("resolved_at", "resolution")]
    public async Task ListAndGet_RowTheStoreCannotRead_IsListedWithWhatCouldNotBeRead(string column, string field)
    {
        var first = await Claim(Scope());
        Assert.True(await Store.CompleteAsync(Scope(), first.Token!, "{}", Time.GetUtcNow(), Deadline));
        await using (var connection = new SqliteConnection($"Data Source={DbPath}"))
        {
            await connection.OpenAsync(Deadline);
            await using var damage = connection.CreateCommand();
            damage.CommandText = column == "resolved_at"
                ? "UPDATE idempotency SET resolved_executed = 1"
                : $"UPDATE idempotency SET {column} = 'garbage'";
            Assert.Equal(1, await damage.ExecuteNonQueryAsync(Deadline));
        }

        var expected = column == "resolved_at" ? IdempotencyState.Completed : IdempotencyState.OutcomeUnknown;
        var listed = Assert.Single((await List()).Records);
        Assert.Equal(expected, listed.State);
        Assert.Equal([field], listed.Unreadable!.Fields);
        Assert.Contains("key = 'k-1'", listed.Unreadable.StoreKey, StringComparison.Ordinal);
        Assert.Single((await List(state: expected)).Records);
        Assert.Equal([field], (await Get(Scope()))!.Unreadable!.Fields);
    }

    protected override Task DamageCreationAsync(IdempotencyScope scope) => SetCreationAsync(scope, "'garbage'");

    /// <summary>
    /// A creation SQLite keeps though it is not a time the gateway wrote, of each type it orders apart (a real, a text, a
    /// blob, a number no date can hold): before, when that row ended a page, the next page's cursor was the placeholder
    /// 1970 and skipped every row after it. Paging now compares with the very value stored.
    /// </summary>
    [Theory]
    [InlineData("1767225600000.5")]
    [InlineData("'garbage'")]
    [InlineData("X'00ff'")]
    [InlineData("9223372036854775807")]
    [InlineData("1e999")]
    public async Task List_Paged_CreationOfAnyTypeSQLiteKeeps_EveryRecordListedOnce(string literal)
    {
        var keys = await UnknownKeysAsync(4);

        await SetCreationAsync(Scope(keys[2]), literal);

        await AssertPagesListEachOnceAsync(keys, keys[2], null);
        await AssertPagesListEachOnceAsync(keys, keys[2], IdempotencyState.OutcomeUnknown);
    }

    protected override async Task LoseResultAsync(IdempotencyScope scope)
    {
        await using var connection = new SqliteConnection($"Data Source={DbPath}");
        await connection.OpenAsync(Deadline);
        await using var damage = connection.CreateCommand();
        damage.CommandText = "UPDATE idempotency SET result = NULL WHERE key = $key";
        damage.Parameters.AddWithValue("$key", scope.Key);
        Assert.Equal(1, await damage.ExecuteNonQueryAsync(Deadline));
    }

    /// <summary>
    /// A creation time that is a number no date can hold: the claim judges the row by it (here a replay), so the list
    /// does too, naming the time unreadable. Before, the list called it <c>outcome_unknown</c>, though
    /// <c>?state=completed</c> found it (and <c>?state=outcome_unknown</c> did not) and its retries were replayed.
    /// </summary>
    [Fact]
    public async Task List_CreationANumberNoDateCanHold_IsJudgedAsTheClaimJudgesIt()
    {
        var first = await Claim(Scope());
        Assert.True(await Store.CompleteAsync(Scope(), first.Token!, "{}", Time.GetUtcNow(), Deadline));
        await SetCreationAsync(Scope(), "9223372036854775807");

        var listed = Assert.Single((await List()).Records);
        var again = await Claim(Scope(), correlationId: "corr-again");

        Assert.Equal(ClaimStatus.Completed, again.Status);
        Assert.Equal(IdempotencyState.Completed, listed.State);
        Assert.Equal(["created_at"], listed.Unreadable!.Fields);
        Assert.Single((await List(IdempotencyState.Completed)).Records);
        Assert.Empty((await List(IdempotencyState.OutcomeUnknown)).Records);
    }

    /// <summary>
    /// A held row whose review the claim cannot read (a column of it set to NULL or to another type by hand or by another
    /// program): before, its retry threw ("The data is NULL at ordinal 7"), answered 500 <c>internal</c>, while the list
    /// showed it <c>awaiting_review</c> and the reviewers' list failed on it. It is now answered and listed outcome-unknown,
    /// <c>review</c> (or <c>review_id</c>) named unreadable, and left out of the reviewers' list.
    /// </summary>
    [Theory]
    [InlineData("review_mode = NULL", "review")]
    [InlineData("review_arguments = NULL", "review")]
    [InlineData("review_correlation_id = NULL", "review")]
    [InlineData("review_expires_at = NULL", "review")]
    [InlineData("review_expires_at = 'garbage'", "review")]
    [InlineData("review_expires_at = 9223372036854775807", "review")]
    [InlineData("review_required = NULL", "review")]
    [InlineData("review_required = 'two'", "review")]
    [InlineData("review_approvals = NULL", "review")]
    [InlineData("review_approvals = 'not json'", "review")]
    [InlineData("review_approvals = '[[\"bob\"]]'", "review")]
    [InlineData("review_decision = 1", "review")]
    [InlineData("created_at = 9223372036854775807", "review")]
    [InlineData("review_id = NULL", "review_id")]
    public Task ListAndClaim_HeldRowWhoseReviewCannotBeRead_IsJudgedAsItsClaimAnswersIt(string damage, string named) =>
        AssertHeldRecordWhoseReviewCannotBeReadIsJudgedAsItsClaimAnswersIt(async () =>
        {
            await using var connection = new SqliteConnection($"Data Source={DbPath}");
            await connection.OpenAsync(Deadline);
            await using var update = connection.CreateCommand();
            update.CommandText = $"UPDATE idempotency SET {damage}";
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
            await using var connection = new SqliteConnection($"Data Source={DbPath}");
            await connection.OpenAsync(Deadline);
            await using var damage = connection.CreateCommand();
            damage.CommandText = """
                UPDATE idempotency SET review_mode = NULL WHERE key = 'k-0';
                UPDATE idempotency SET review_approvals = '[["bob"]]' WHERE key = 'k-3';
                """;
            Assert.Equal(2, await damage.ExecuteNonQueryAsync(Deadline));
        });

    /// <summary>
    /// Before, a held row whose review cannot be read (answered outcome-unknown, left out of the reviewers' list) still
    /// took one of its principal's places under review.max_pending_per_principal until its deadline, or for ever with a
    /// deadline of another type (text sorts after every number): a caller was refused review with no reviewer able to see
    /// or decide what held its place. The count now leaves out exactly the rows the reviewers' list leaves out.
    /// </summary>
    [Theory]
    [InlineData("review_mode = NULL")]
    [InlineData("review_expires_at = 'garbage'")]
    [InlineData("review_required = 'two'")]
    [InlineData("review_approvals = 'not json'")]
    [InlineData("review_approvals = '[[\"bob\"]]'")]
    [InlineData("review_approvals = '[[\"bob\", \"soon\"]]'")]
    [InlineData("created_at = created_at + 0.5")]
    public Task PendingLimit_HeldRowWhoseReviewCannotBeRead_TakesNoPlace(string damage) =>
        AssertPendingLimitLeavesOutHeldRecordsWhoseReviewCannotBeRead(async scope =>
        {
            await using var connection = new SqliteConnection($"Data Source={DbPath}");
            await connection.OpenAsync(Deadline);
            await using var update = connection.CreateCommand();
            update.CommandText = $"UPDATE idempotency SET {damage} WHERE key = $key";
            update.Parameters.AddWithValue("$key", scope.Key);
            Assert.Equal(1, await update.ExecuteNonQueryAsync(Deadline));
        });

    private async Task SetCreationAsync(IdempotencyScope scope, string literal)
    {
        await using var connection = new SqliteConnection($"Data Source={DbPath}");
        await connection.OpenAsync(Deadline);
        await using var damage = connection.CreateCommand();
        damage.CommandText = $"UPDATE idempotency SET created_at = {literal} WHERE key = $key";
        damage.Parameters.AddWithValue("$key", scope.Key);
        Assert.Equal(1, await damage.ExecuteNonQueryAsync(Deadline));
    }

    public override Task DisposeAsync()
    {
        (Store as IDisposable)?.Dispose();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task Reopen_CompletedRecord_StillReplays()
    {
        var first = await Claim(Scope(), correlationId: "corr-before");
        await Store.CompleteAsync(Scope(), first.Token!, "{\"kept\":1}", Time.GetUtcNow(), Deadline);

        using var reopened = new SqliteIdempotencyStore(DbPath, TimeSpan.FromSeconds(30));
        var repeat = await reopened.TryClaimAsync(new IdempotencyClaimRequest(Scope(), "fp-1", "corr-after", Time.GetUtcNow(), Lease, Retention), Deadline);

        Assert.Equal(ClaimStatus.Completed, repeat.Status);
        Assert.Equal("{\"kept\":1}", repeat.ResultJson);
        Assert.Equal("corr-before", repeat.OriginalCorrelationId);
    }

    [Fact]
    public async Task Start_ClaimsLeftInProgressByADeadProcess_SettlesCountsAndStampsThem()
    {
        await Claim(Scope("k-1"));
        await Claim(Scope("k-2"));
        var done = await Claim(Scope("k-done"));
        await Store.CompleteAsync(Scope("k-done"), done.Token!, "{}", Time.GetUtcNow(), Deadline);
        var claimedAt = Time.GetUtcNow();
        Time.Advance(TimeSpan.FromMinutes(1));
        var restartedAt = Time.GetUtcNow();

        using var reopened = new SqliteIdempotencyStore(DbPath, TimeSpan.FromSeconds(30));
        var state = new SqliteStateStore(Time, reopened);
        var settled = await state.RecoverAsync(restartedAt, Deadline).AsTask().WaitAsync(Timeout);
        await reopened.TryClaimAsync(new IdempotencyClaimRequest(Scope("k-mine"), "fp-1", "corr-mine", restartedAt, Lease, Retention), Deadline);
        var again = await state.RecoverAsync(restartedAt, Deadline).AsTask().WaitAsync(Timeout);
        var record = await reopened.GetAsync(Scope("k-1"), restartedAt, Retention, Deadline);
        var completed = await reopened.GetAsync(Scope("k-done"), restartedAt, Retention, Deadline);
        var mine = await reopened.GetAsync(Scope("k-mine"), restartedAt, Retention, Deadline);
        var repeat = await reopened.TryClaimAsync(new IdempotencyClaimRequest(Scope("k-1"), "fp-1", "corr-after", restartedAt, Lease, Retention), Deadline);

        Assert.Equal(2, settled);
        Assert.Equal(0, again);
        Assert.Equal(IdempotencyState.OutcomeUnknown, record!.State);
        Assert.Equal(restartedAt, record.UpdatedAt);
        Assert.Equal(IdempotencyState.Completed, completed!.State);
        Assert.Equal(claimedAt, completed.UpdatedAt);
        Assert.Equal(IdempotencyState.InProgress, mine!.State);
        Assert.Equal(ClaimStatus.OutcomeUnknown, repeat.Status);
    }

    [Fact]
    public void Open_UsesWriteAheadLogging()
    {
        using var connection = new SqliteConnection($"Data Source={DbPath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";

        Assert.Equal("wal", (string)command.ExecuteScalar()!);
    }
}
