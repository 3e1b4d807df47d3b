namespace Portcullis.Core.State;

/// <summary>The process that holds a replica id in the shared store, as the store last recorded it.</summary>
/// <param name="Owner">The holder's <see cref="ReplicaIdentity.Owner"/>: the id and its incarnation.</param>
/// <param name="RenewedAt">When the holder last renewed its hold (the store's clock).</param>
/// <param name="Until">When the hold lapses unless renewed.</param>
public sealed record ReplicaHolder(string Owner, DateTimeOffset RenewedAt, DateTimeOffset Until);
