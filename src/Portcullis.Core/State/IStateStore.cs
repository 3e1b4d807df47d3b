namespace Portcullis.Core.State;

/// <summary>
/// A family of state stores (SQLite, Redis, PostgreSQL) as a whole: what it needs at start-up and the one clock
/// every replica stamps records with.
/// </summary>
public interface IStateStore
{
    /// <summary>The store's name as in <c>state.store</c>.</summary>
    string Name { get; }

    /// <summary>Makes the store usable before anything else at start-up: reaches it, creates or migrates its schema.</summary>
    ValueTask PrepareAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Settles the claims this replica's earlier incarnations left in flight (they become outcome-unknown; other
    /// replicas' claims are untouched). Run once this incarnation holds its replica id (<see cref="IReplicaRegistry"/>),
    /// so a second process with the same id never settles the claims of one that is running.
    /// </summary>
    /// <returns>How many abandoned claims were settled.</returns>
    ValueTask<int> RecoverAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The store's own clock (Redis <c>TIME</c>, PostgreSQL <c>clock_timestamp()</c>; the local clock for SQLite).</summary>
    ValueTask<DateTimeOffset> GetTimeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Whether <paramref name="exception"/> (one of the store's own, not its inner ones) says the store could not be reached
    /// or did not answer in time: an outage a retry may outlast, answered <c>state_unavailable</c>, not a defect.
    /// </summary>
    bool IsUnavailable(Exception exception);
}
