using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Portcullis.Stores.Sqlite;

/// <summary>
/// Makes every write of one SQLite file, in turn, on one connection: the writes that queued while a batch was being
/// written run together in the next <c>BEGIN IMMEDIATE</c> transaction, each in its own savepoint, and commit once.
/// A write's task completes only after the commit that holds it, so what it returns is on disk (one fsync per batch
/// instead of one per write; concurrent calls no longer queue behind each other's fsync). A write that throws rolls
/// back to its savepoint and fails alone; a failed commit fails every write of its batch.
/// </summary>
internal sealed class SqliteGroupWriter : IDisposable
{
    /// <summary>The most writes one transaction holds, so a burst cannot make a batch's first caller wait on all of it.</summary>
    internal const int MaxBatch = 64;

    private const string Savepoint = "write";

    private readonly Func<SqliteConnection> _open;
    private readonly Channel<Write> _queue = Channel.CreateUnbounded<Write>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;
    private SqliteConnection? _connection;

    public SqliteGroupWriter(Func<SqliteConnection> open)
    {
        _open = open;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Runs <paramref name="work"/> inside the next batch's transaction; its result once that has committed.</summary>
    /// <remarks><paramref name="work"/> must not commit or roll back the transaction it is given.</remarks>
    public Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, T> work, CancellationToken cancellationToken)
    {
        var write = new Write<T>(work, cancellationToken);
        if (!_queue.Writer.TryWrite(write))
        {
            throw new ObjectDisposedException(nameof(SqliteGroupWriter));
        }

        return write.Task;
    }

    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _loop.Wait(TimeSpan.FromSeconds(30));
        _connection?.Dispose();
    }

    private async Task RunAsync()
    {
        var batch = new List<Write>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var write))
            {
                batch.Add(write);
            }

            Commit(batch);
            batch.Clear();
        }
    }

    private void Commit(List<Write> batch)
    {
        var written = new List<Write>(batch.Count);
        try
        {
            _connection ??= _open();
            using var transaction = _connection.BeginTransaction(deferred: false);
            foreach (var write in batch)
            {
                if (write.Cancelled)
                {
                    // Its caller has gone while it waited: it is never run.
                    write.Cancel();
                    continue;
                }

                transaction.Save(Savepoint);
                try
                {
                    write.Run(_connection, transaction);
                    transaction.Release(Savepoint);
                    written.Add(write);
                }
                catch (Exception ex)
                {
                    // Only this write's changes go; the batch's others stay. When SQLite has already rolled back the
                    // whole transaction (a full disk, an I/O error), there is no savepoint left and the batch fails below.
                    transaction.Rollback(Savepoint);
                    transaction.Release(Savepoint);
                    write.Fail(ex);
                }
            }

            transaction.Commit();
        }
        catch (Exception ex)
        {
            // The transaction is gone (a failed commit, a full disk, an I/O error): nothing of the batch was kept.
            // The connection is opened afresh for the next batch.
            foreach (var write in batch.Where(w => !w.Done))
            {
                write.Fail(ex);
            }

            _connection?.Dispose();
            _connection = null;
            return;
        }

        foreach (var write in written)
        {
            write.Succeed();
        }
    }

    private abstract class Write(CancellationToken cancellationToken)
    {
        public CancellationToken Token => cancellationToken;

        public bool Cancelled => cancellationToken.IsCancellationRequested;

        public abstract bool Done { get; }

        public abstract void Run(SqliteConnection connection, SqliteTransaction transaction);

        public abstract void Succeed();

        public abstract void Fail(Exception exception);

        public abstract void Cancel();
    }

    private sealed class Write<T>(Func<SqliteConnection, SqliteTransaction, T> work, CancellationToken cancellationToken) : Write(cancellationToken)
    {
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _result;

        public Task<T> Task => _done.Task;

        public override bool Done => _done.Task.IsCompleted;

        public override void Run(SqliteConnection connection, SqliteTransaction transaction) => _result = work(connection, transaction);

        public override void Succeed() => _done.TrySetResult(_result!);

        public override void Fail(Exception exception) => _done.TrySetException(exception);

        public override void Cancel() => _done.TrySetCanceled(Token);
    }
}
