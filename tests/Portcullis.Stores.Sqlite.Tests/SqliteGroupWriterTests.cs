using Microsoft.Data.Sqlite;

namespace Portcullis.Stores.Sqlite.Tests;

/// <summary>Writes that queue together commit together, and each one still succeeds, fails or is cancelled alone.</summary>
public sealed class SqliteGroupWriterTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "portcullis-tests", "group-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly string _connectionString;
    private readonly SqliteGroupWriter _writer;
    private readonly ManualResetEventSlim _gate = new();

    public SqliteGroupWriterTests()
    {
        Directory.CreateDirectory(_dir);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(_dir, "t.db"), Pooling = false }.ToString();
        using var connection = Open();
        using var create = connection.CreateCommand();
        create.CommandText = "PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER PRIMARY KEY)";
        create.ExecuteNonQuery();
        _writer = new SqliteGroupWriter(Open);
    }

    [Fact]
    public async Task Batch_OneWriteThrows_TheOthersCommitAndOnlyItsChangesAreUndone()
    {
        var holding = await HoldTheWriterAsync();
        var first = _writer.WriteAsync((c, t) => Insert(c, t, 1), CancellationToken.None);
        var failing = _writer.WriteAsync<int>((c, t) =>
        {
            Insert(c, t, 2);
            throw new InvalidOperationException("the write changed its mind");
        }, CancellationToken.None);
        var third = _writer.WriteAsync((c, t) => Insert(c, t, 3), CancellationToken.None);

        _gate.Set();
        await holding.WaitAsync(Timeout);
        Assert.Equal(1, await first.WaitAsync(Timeout));
        Assert.Equal(3, await third.WaitAsync(Timeout));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => failing.WaitAsync(Timeout));
        Assert.Equal("the write changed its mind", error.Message);
        Assert.Equal([1L, 3L], Rows());
    }

    [Fact]
    public async Task Batch_SeveralWritesAndAConflict_EachSeesTheOnesBeforeIt()
    {
        var holding = await HoldTheWriterAsync();
        var writes = Enumerable.Range(1, 10).Select(i => _writer.WriteAsync((c, t) => Insert(c, t, i), CancellationToken.None)).ToList();
        var duplicate = _writer.WriteAsync((c, t) => Insert(c, t, 5), CancellationToken.None);

        _gate.Set();
        await holding.WaitAsync(Timeout);
        await Task.WhenAll(writes).WaitAsync(Timeout);
        var conflict = await Assert.ThrowsAsync<SqliteException>(() => duplicate.WaitAsync(Timeout));
        Assert.Equal(SQLitePCL.raw.SQLITE_CONSTRAINT, conflict.SqliteErrorCode);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), Rows());
    }

    [Fact]
    public async Task Queued_Cancelled_EndsAtOnceAndIsNeverWritten()
    {
        var holding = await HoldTheWriterAsync();
        using var cancel = new CancellationTokenSource();
        var cancelled = _writer.WriteAsync((c, t) => Insert(c, t, 7), cancel.Token);
        var kept = _writer.WriteAsync((c, t) => Insert(c, t, 8), CancellationToken.None);

        cancel.Cancel();
        // While the writer is still busy with the batch before it.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Timeout));
        Assert.False(holding.IsCompleted);
        _gate.Set();
        await holding.WaitAsync(Timeout);
        Assert.Equal(8, await kept.WaitAsync(Timeout));
        Assert.Equal([8L], Rows());
    }

    [Fact]
    public async Task Batch_AWriteCostsTheWholeTransaction_ItFailsWithItsOwnErrorAndTheOthersCommit()
    {
        using (var connection = Open())
        using (var trigger = connection.CreateCommand())
        {
            // RAISE(ROLLBACK) ends the whole transaction, as a full disk or an I/O error does.
            trigger.CommandText = "CREATE TRIGGER lose BEFORE INSERT ON t WHEN NEW.x = 99 BEGIN SELECT RAISE(ROLLBACK, 'the transaction is gone'); END";
            trigger.ExecuteNonQuery();
        }

        var holding = await HoldTheWriterAsync();
        var first = _writer.WriteAsync((c, t) => Insert(c, t, 1), CancellationToken.None);
        // Fails on its own before the transaction is lost, and would succeed if it were ever run again.
        var runs = 0;
        var failedAlone = _writer.WriteAsync<int>((c, t) =>
        {
            Insert(c, t, 2);
            return ++runs == 1 ? throw new InvalidOperationException("failed on its own") : 2;
        }, CancellationToken.None);
        var losing = _writer.WriteAsync((c, t) => Insert(c, t, 99), CancellationToken.None);
        var third = _writer.WriteAsync((c, t) => Insert(c, t, 3), CancellationToken.None);

        _gate.Set();
        await holding.WaitAsync(Timeout);
        var error = await Assert.ThrowsAsync<SqliteException>(() => losing.WaitAsync(Timeout));
        Assert.Contains("the transaction is gone", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(() => failedAlone.WaitAsync(Timeout));
        Assert.Equal(1, await first.WaitAsync(Timeout));
        Assert.Equal(3, await third.WaitAsync(Timeout));
        Assert.Equal(1, runs);
        Assert.Equal([1L, 3L], Rows());
    }

    [Fact]
    public async Task Dispose_WithWritesQueued_CommitsThemAndRefusesLaterOnes()
    {
        var holding = await HoldTheWriterAsync();
        var queued = _writer.WriteAsync((c, t) => Insert(c, t, 5), CancellationToken.None);
        var disposing = _writer.DisposeAsync().AsTask();

        _gate.Set();
        await disposing.WaitAsync(Timeout);
        await holding.WaitAsync(Timeout);
        Assert.Equal(5, await queued.WaitAsync(Timeout));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => _writer.WriteAsync((c, t) => Insert(c, t, 6), CancellationToken.None).WaitAsync(Timeout));
        Assert.Equal([5L], Rows());
    }

    public void Dispose()
    {
        _gate.Set();
        _writer.Dispose();
        _gate.Dispose();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A write that keeps the writer busy until the gate opens, so the writes queued meanwhile form one batch.</summary>
    /// <summary>
    /// A write that keeps the writer busy until the gate opens, returned once it runs: the writes queued after it wait
    /// for the next batch (on a loaded machine the writer could otherwise wake late and take them into its batch).
    /// </summary>
    private async Task<Task<int>> HoldTheWriterAsync()
    {
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holding = _writer.WriteAsync((_, _) =>
        {
            running.TrySetResult();
            return _gate.Wait(Timeout) ? 0 : throw new TimeoutException("the gate never opened");
        }, CancellationToken.None);
        await running.Task.WaitAsync(Timeout);
        return holding;
    }

    private static int Insert(SqliteConnection connection, SqliteTransaction transaction, int x)
    {
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO t (x) VALUES ($x)";
        insert.Parameters.AddWithValue("$x", x);
        insert.ExecuteNonQuery();
        return x;
    }

    /// <summary>The rows another connection sees: what was committed.</summary>
    private List<long> Rows()
    {
        using var connection = Open();
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT x FROM t ORDER BY x";
        using var reader = select.ExecuteReader();
        var rows = new List<long>();
        while (reader.Read())
        {
            rows.Add(reader.GetInt64(0));
        }

        return rows;
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }
}
