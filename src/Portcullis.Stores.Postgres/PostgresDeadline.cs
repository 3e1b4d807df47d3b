using Npgsql;

namespace Portcullis.Stores.Postgres;

/// <summary>
/// The most a call waits for one store operation on the request path: the longer of the connection string's
/// <c>Timeout</c> and <c>Command Timeout</c> (5 s each unless it sets them), and a second more.
/// </summary>
/// <remarks>
/// Npgsql's own timeouts do not bound a server that stops answering altogether (its processes frozen, their sockets
/// open, as on a hung host): on a statement's timeout Npgsql asks that server to cancel the statement over a new
/// connection and waits out the connection <c>Timeout</c> for it, twice, so the call was answered after about 15 s.
/// Past the bound the caller is answered a <see cref="TimeoutException"/> (an outage, <c>state_unavailable</c>) while the
/// operation runs on by itself and closes its connection once Npgsql gives up; what it did is settled as any store
/// answer that was lost (a claim made is released by its token, so the call that was never sent is not lost).
/// </remarks>
internal sealed partial class PostgresDeadline
{
    private const int GraceSeconds = 1;

    private readonly NpgsqlDataSource _dataSource;

    private PostgresDeadline(NpgsqlDataSource dataSource, TimeSpan bound)
    {
        _dataSource = dataSource;
        Bound = bound;
    }

    /// <summary>How long an operation may take before the caller is answered.</summary>
    public TimeSpan Bound { get; }

    public static PostgresDeadline For(NpgsqlDataSource dataSource)
    {
        var settings = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        // 0 is Npgsql's "wait for ever" for a statement: the operator chose that, so it is not bounded here either.
        return new(dataSource, settings.CommandTimeout == 0
            ? Timeout.InfiniteTimeSpan
            : TimeSpan.FromSeconds(Math.Max(settings.Timeout, settings.CommandTimeout) + GraceSeconds));
    }

    /// <summary>Runs <paramref name="operation"/>, answering <see cref="TimeoutException"/> once it has taken <see cref="Bound"/>.</summary>
    /// <remarks>
    /// Past the bound the token <paramref name="operation"/> was given is cancelled too, so an operation of several steps
    /// (a review's decision: its read under a row lock, its update, its commit) sends no step after its caller was answered;
    /// only a step already sent may still be done by a server that wakes.
    /// </remarks>
    public ValueTask<T> RunAsync<T>(Func<CancellationToken, ValueTask<T>> operation, CancellationToken cancellationToken) =>
        AbandonAsync(operation, WithinBoundAsync<T>, cancellationToken);

    /// <summary>
    /// Runs <paramref name="operation"/> until <paramref name="wait"/> gives up on it with a <see cref="TimeoutException"/>;
    /// then cancels the token <paramref name="operation"/> was given and leaves it to end by itself.
    /// </summary>
    private static async ValueTask<T> AbandonAsync<T>(Func<CancellationToken, ValueTask<T>> operation, Func<Task<T>, CancellationToken, Task<T>> wait,
        CancellationToken cancellationToken)
    {
        var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task<T> running;
        try
        {
            running = operation(abandon.Token).AsTask();
        }
        catch
        {
            abandon.Dispose();
            throw;
        }

        try
        {
            return await wait(running, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException) when (!running.IsCompleted)
        {
            // Not awaited, and on a thread of its own: Npgsql's cancellation of a statement in flight asks the frozen server
            // too, synchronously (a new connection, waited on up to its Timeout), which held a thread-pool thread that long for
            // each operation given up; a few at once starved the pool, and every answer of the gateway waited for threads.
            Observe(Task.Factory.StartNew(static state => ((CancellationTokenSource)state!).Cancel(), abandon, CancellationToken.None,
                TaskCreationOptions.LongRunning, TaskScheduler.Default));

            // Its own failure, once Npgsql gives up, is the one already answered: observed here, so it is not reported twice.
            Observe(running);
            throw;
        }
        finally
        {
            if (running.IsCompleted)
            {
                abandon.Dispose();
            }
            else
            {
                // Abandoned (past the bound, or its caller cancelled): disposed once it ends by itself.
                _ = running.ContinueWith(static (_, state) => ((CancellationTokenSource)state!).Dispose(), abandon, CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }

    private async Task<T> WithinBoundAsync<T>(Task<T> running, CancellationToken cancellationToken)
    {
        try
        {
            return await running.WaitAsync(Bound, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException) when (!running.IsCompleted)
        {
            throw new TimeoutException($"The PostgreSQL server did not answer within {Bound.TotalSeconds:0} s.");
        }
    }

    /// <summary>Observes the failure of a task no one awaits any more, so it is not reported as unobserved.</summary>
    private static void Observe(Task task) =>
        _ = task.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    /// <summary>Runs <paramref name="operation"/>, answering <see cref="TimeoutException"/> once it has taken <see cref="Bound"/>.</summary>
    public async ValueTask RunAsync(Func<CancellationToken, ValueTask> operation, CancellationToken cancellationToken) =>
        await RunAsync(async ct =>
        {
            await operation(ct).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
}
