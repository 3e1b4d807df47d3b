using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Portcullis.Stores.Sqlite;

/// <summary>
/// Makes every write of one SQLite file, in turn, on one connection of its own: the writes that queued while a batch
/// was being written run together in the next <c>BEGIN IMMEDIATE</c> transaction, each in its own savepoint, and
/// commit once. A write's task completes only after the commit that holds it, so what it returns is on disk (one
/// fsync per batch instead of one per write; concurrent calls no longer queue behind each other's fsync).
/// </summary>
/// <remarks>
/// A write that throws is rolled back to its savepoint and fails alone. When SQLite has rolled back the whole
/// transaction instead (a full disk, an I/O error), that write fails with its own error and the others run again in
/// a fresh transaction: nothing of theirs was kept. A failed commit fails every write of its batch. A write whose
/// caller cancels before the writer reaches it is never run; once running, it is carried out and reported.
/// Work given to the writer runs on its loop: it must not wait for another write.
/// </remarks>
internal sealed class SqliteGroupWriter : IDisposable, IAsyncDisposable
{
    /// <summary>The most writes one transaction holds, so a burst cannot make a batch's first caller wait on all of it.</summary>
    internal const int MaxBatch = 64;

    private const string Savepoint = "write";
    private static readonly TimeSpan DisposeWait = TimeSpan.FromSeconds(30);

    private readonly Func<SqliteConnection> _open;
    private readonly Channel<Write> _queue = Channel.CreateUnbounded<Write>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;

    /// <param name="open">Opens the writer's own connection (not a pooled one: it is closed and opened afresh after a failure).</param>
    public SqliteGroupWriter(Func<SqliteConnection> open)
    {
        _open = open;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Runs <paramref name="work"/> inside the next batch's transaction; its result once that has committed.</summary>
    /// <param name="work">The write; it must not commit or roll back the transaction it is given.</param>
    /// <param name="cancellationToken">Cancels the write while it waits for its batch; once running, it is carried out.</param>
    /// <param name="alone">Run in a batch of its own (a large delete): a failure of it then takes no other write along.</param>
    public Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, T> work, CancellationToken cancellationToken, bool alone = false)
    {
        var write = new Write<T>(work, alone, cancellationToken);
        if (!_queue.Writer.TryWrite(write))
        {
            write.Fail(new ObjectDisposedException(nameof(SqliteGroupWriter), "The SQLite writer has stopped."));
        }

        return write.Task;
    }

    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _loop.Wait(DisposeWait);
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAny(_loop, Task.Delay(DisposeWait)).ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        SqliteConnection? connection = null;
        var batch = new List<Write>(MaxBatch);
        try
        {
            while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                Take(batch);
                try
                {
                    connection = Commit(batch, connection);
                }
                catch (Exception ex)
                {
                    // Never expected (every failure of SQLite is caught below); a writer that cannot go on fails its
                    // writes, and the ones still to come, rather than leave them waiting.
                    FailAll(batch, ex);
                    _queue.Writer.TryComplete(ex);
                    while (_queue.Reader.TryRead(out var left))
                    {
                        left.Fail(ex);
                    }

                    return;
                }
                finally
                {
                    batch.Clear();
                }
            }
        }
        finally
        {
            connection?.Dispose();
        }
    }

    /// <summary>The writes waiting now, up to a batch; a write that wants to be alone ends a batch or is one.</summary>
    private void Take(List<Write> batch)
    {
        while (batch.Count < MaxBatch && _queue.Reader.TryPeek(out var next))
        {
            if (next.Alone && batch.Count > 0)
            {
                return;
            }

            _queue.Reader.TryRead(out _);
            batch.Add(next);
            if (next.Alone)
            {
                return;
            }
        }
    }

    /// <summary>Commits what it can of <paramref name="batch"/>; returns the connection to use for the next batch.</summary>
    private SqliteConnection? Commit(List<Write> batch, SqliteConnection? connection)
    {
        // From here a write is carried out: a cancellation that comes later no longer stops it.
        var pending = batch.Where(w => w.Start()).ToList();
        while (pending.Count > 0)
        {
            try
            {
                connection ??= _open();
                var (kept, lost) = RunAll(pending, connection);
                if (lost is null)
                {
                    foreach (var write in kept)
                    {
                        write.Succeed();
                    }

                    return connection;
                }

                // SQLite rolled the whole transaction back because of this write: it fails with its own error. The
                // writes kept before it, whose changes went with it, run again with those after it; the ones that
                // failed on their own before it stay failed.
                lost.Value.Write.Fail(lost.Value.Error);
                pending = [.. kept, .. pending.Skip(pending.IndexOf(lost.Value.Write) + 1)];
            }
            catch (Exception ex)
            {
                // No transaction, or its commit failed: nothing of the batch was kept.
                FailAll(pending, ex);
                connection?.Dispose();
                return null;
            }
        }

        return connection;
    }

    /// <summary>
    /// Runs the writes in one transaction and commits it, or finds the write that cost the transaction. Writes that
    /// throw while the transaction stands are rolled back to their savepoint and failed here.
    /// </summary>
    private static (List<Write> Kept, (Write Write, Exception Error)? Lost) RunAll(List<Write> writes, SqliteConnection connection)
    {
        var kept = new List<Write>(writes.Count);
        using var transaction = connection.BeginTransaction(deferred: false);
        foreach (var write in writes)
        {
            transaction.Save(Savepoint);
            try
            {
                write.Run(connection, transaction);
                transaction.Release(Savepoint);
                kept.Add(write);
            }
            catch (Exception ex)
            {
                if (SQLitePCL.raw.sqlite3_get_autocommit(connection.Handle) != 0)
                {
                    return (kept, (write, ex));
                }

                transaction.Rollback(Savepoint);
                transaction.Release(Savepoint);
                write.Fail(ex);
            }
        }

        transaction.Commit();
        return (kept, null);
    }

    private static void FailAll(IEnumerable<Write> writes, Exception error)
    {
        foreach (var write in writes)
        {
            write.Fail(error);
        }
    }

    private abstract class Write
    {
        private const int Queued = 0;
        private const int Started = 1;
        private const int Cancelled = 2;

        private readonly CancellationTokenRegistration _registration;
        private int _state;

        protected Write(bool alone, CancellationToken cancellationToken)
        {
            Alone = alone;
            _registration = cancellationToken.UnsafeRegister(static (state, token) =>
            {
                var write = (Write)state!;
                if (Interlocked.CompareExchange(ref write._state, Cancelled, Queued) == Queued)
                {
                    write.Cancel(token);
                }
            }, this);
        }

        public bool Alone { get; }

        /// <summary>Whether the write is to be carried out: false once its caller has cancelled.</summary>
        public bool Start() => Interlocked.CompareExchange(ref _state, Started, Queued) == Queued;

        public abstract void Run(SqliteConnection connection, SqliteTransaction transaction);

        public abstract void Succeed();

        public abstract void Fail(Exception exception);

        protected abstract void Cancel(CancellationToken token);

        protected void Completed() => _registration.Dispose();
    }

    private sealed class Write<T>(Func<SqliteConnection, SqliteTransaction, T> work, bool alone, CancellationToken cancellationToken) : Write(alone, cancellationToken)
    {
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _result;

        public Task<T> Task => _done.Task;

        public override void Run(SqliteConnection connection, SqliteTransaction transaction) => _result = work(connection, transaction);

        public override void Succeed()
        {
            _done.TrySetResult(_result!);
            Completed();
        }

        public override void Fail(Exception exception)
        {
            _done.TrySetException(exception);
            Completed();
        }

        protected override void Cancel(CancellationToken token) => _done.TrySetCanceled(token);
    }
}
