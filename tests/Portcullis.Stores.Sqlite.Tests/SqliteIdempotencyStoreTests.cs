using Microsoft.Data.Sqlite;
using Portcullis.Core.Idempotency;
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
    public async Task Reopen_ClaimLeftInProgressByADeadProcess_IsOutcomeUnknownAtOnce()
    {
        await Claim(Scope());

        using var reopened = new SqliteIdempotencyStore(DbPath, TimeSpan.FromSeconds(30));
        var repeat = await reopened.TryClaimAsync(new IdempotencyClaimRequest(Scope(), "fp-1", "corr-after", Time.GetUtcNow(), Lease, Retention), Deadline);

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
