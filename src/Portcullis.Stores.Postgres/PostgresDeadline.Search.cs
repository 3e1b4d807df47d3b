using System.Globalization;
using Npgsql;

namespace Portcullis.Stores.Postgres;

/// <summary>
/// The admin plane's reads that may rightly take long (an audit search, a listing of idempotency records): a live server
/// is given <see cref="PostgresDataSource.SearchTimeoutSeconds"/>, a frozen one <see cref="Bound"/>.
/// </summary>
internal sealed partial class PostgresDeadline
{
    /// <summary>How long a search runs before the server is first checked, and how long between checks.</summary>
    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The server's own limit for each statement of a search, local to the search's transaction (<c>SET LOCAL</c>, as a
    /// plain <c>SELECT</c> that any pooler passes and Npgsql may prepare).
    /// </summary>
    private static readonly string SetSearchTimeout = string.Create(CultureInfo.InvariantCulture,
        $"SELECT set_config('statement_timeout', '{PostgresDataSource.SearchTimeoutSeconds * 1000}', true)");

    /// <summary>
    /// Runs <paramref name="search"/> on a connection of its own, in a transaction whose statements the server cancels
    /// after <see cref="PostgresDataSource.SearchTimeoutSeconds"/>; answers <see cref="TimeoutException"/> as soon as the
    /// server stops answering while it runs. Its statements come from <see cref="SearchCommand"/>.
    /// </summary>
    /// <remarks>
    /// A frozen server cannot be told from a slow one on the search's own connection, which is silent either way until its
    /// rows come. So while the search runs (from its first second on, once a second) the server is asked <c>SELECT true</c>
    /// on a connection of its own outside the pool (a full pool says nothing of the server), within <see cref="Bound"/>; an
    /// error the server answers with shows it is alive; when it does not answer, the search is abandoned as any
    /// operation past its bound is (its token cancelled, so Npgsql closes its connection once the cancellation goes
    /// unanswered; its transaction sent nothing but reads). A server that wakes ends the abandoned statement by its
    /// <c>statement_timeout</c> at the latest. A search answered within a second costs no check.
    /// </remarks>
    public ValueTask<T> SearchAsync<T>(Func<NpgsqlConnection, CancellationToken, ValueTask<T>> search, CancellationToken cancellationToken) =>
        AbandonAsync(ct => InSearchTransactionAsync(search, ct), WhileServerAnswersAsync<T>, cancellationToken);

    /// <summary>
    /// A statement of a search: Npgsql waits a few seconds longer than the server's own limit, so a statement that runs
    /// out of time is the server's to cancel (and a frozen server is the check's to notice).
    /// </summary>
    public static NpgsqlCommand SearchCommand(NpgsqlConnection connection, string? commandText = null) =>
        new(commandText, connection) { CommandTimeout = PostgresDataSource.SearchTimeoutSeconds + PostgresDataSource.RequestTimeoutSeconds };

    private async ValueTask<T> InSearchTransactionAsync<T>(Func<NpgsqlConnection, CancellationToken, ValueTask<T>> search, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var limit = new NpgsqlCommand(SetSearchTimeout, connection, transaction))
        {
            await limit.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        }

        var found = await search(connection, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return found;
    }

    /// <summary>Waits for <paramref name="running"/> while the server answers a check within <see cref="Bound"/>.</summary>
    private async Task<T> WhileServerAnswersAsync<T>(Task<T> running, CancellationToken cancellationToken)
    {
        while (true)
        {
            var pause = Task.Delay(CheckEvery, TimeProvider.System, cancellationToken);
            if (await Task.WhenAny(running, pause).ConfigureAwait(false) == running)
            {
                return await running.ConfigureAwait(false);
            }

            await pause.ConfigureAwait(false);
            var check = CheckAsync(cancellationToken).AsTask();
            if (await Task.WhenAny(running, check).ConfigureAwait(false) == running)
            {
                Observe(check);
                return await running.ConfigureAwait(false);
            }

            try
            {
                await check.ConfigureAwait(false);
            }
            catch (PostgresException) when (!cancellationToken.IsCancellationRequested)
            {
                // The server answered, with an error (too many connections, say): it is not frozen.
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                if (running.IsCompleted)
                {
                    return await running.ConfigureAwait(false);
                }

                throw new TimeoutException($"The PostgreSQL server did not answer a check within {Bound.TotalSeconds:0} s while a search ran.", ex);
            }
        }
    }

    /// <summary>
    /// <c>SELECT true</c> on a connection of its own, outside the pool: with every pooled connection taken (by the search
    /// itself in a pool of one, or by calls), a check that waited for one was not answered within the bound, and a live
    /// server's search was abandoned as a frozen one's. The connection keeps the pool's password (<see cref="NpgsqlConnection.CloneWith"/>).
    /// </summary>
    private ValueTask<bool> CheckAsync(CancellationToken cancellationToken) => RunAsync(async ct =>
    {
        await using var pooled = _dataSource.CreateConnection();
        var unpooled = new NpgsqlConnectionStringBuilder(pooled.ConnectionString) { Pooling = false };
        await using var connection = pooled.CloneWith(unpooled.ConnectionString);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT true", connection);
        return (bool)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
    }, cancellationToken);
}
