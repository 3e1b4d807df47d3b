namespace Portcullis.Core.State;

/// <summary>
/// Which process holds each replica id, in a store several replicas share: one record per id, renewed by its holder.
/// Claims and pending-call routes are told apart by replica id, and a starting replica settles the claims its id's
/// earlier incarnations left; two running processes configured with one id would settle, and answer for, each
/// other's calls. The embedded SQLite store has none: its data dir is locked by one process.
/// </summary>
public interface IReplicaRegistry
{
    /// <summary>
    /// Holds <see cref="ReplicaIdentity.Id"/> for <paramref name="replica"/>'s incarnation until <paramref name="until"/>,
    /// renewed at <paramref name="now"/>, when the id is free, already this incarnation's, lapsed at <paramref name="now"/>,
    /// or still exactly as <paramref name="stale"/> saw it (its holder has not renewed it since). Atomic.
    /// </summary>
    /// <returns>The holder afterwards: this incarnation when held, else the other one.</returns>
    ValueTask<ReplicaHolder> HoldAsync(ReplicaIdentity replica, DateTimeOffset now, DateTimeOffset until, ReplicaHolder? stale, CancellationToken cancellationToken);

    /// <summary>Gives the id up if this incarnation holds it, so the next incarnation takes it at once.</summary>
    ValueTask ReleaseAsync(ReplicaIdentity replica, CancellationToken cancellationToken);
}
