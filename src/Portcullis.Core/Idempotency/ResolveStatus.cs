namespace Portcullis.Core.Idempotency;

/// <summary>The answer of <see cref="IIdempotencyStore.ResolveAsync"/>.</summary>
public enum ResolveStatus
{
    /// <summary>The key was outcome-unknown and is now settled.</summary>
    Resolved,

    /// <summary>No record of the key within retention.</summary>
    NotFound,

    /// <summary>The key is in progress under a live lease, or completed: there is nothing to settle.</summary>
    NotOutcomeUnknown,

    /// <summary>The key holds another call than the one named: nothing changed.</summary>
    OtherCall,

    /// <summary>The store cannot read the key's record, so it cannot be settled: nothing changed.</summary>
    Unreadable,
}
