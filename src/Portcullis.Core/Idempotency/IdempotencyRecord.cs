namespace Portcullis.Core.Idempotency;

/// <summary>One stored key as an operator sees it; the stored result itself is not part of it.</summary>
public sealed record IdempotencyRecord(
    IdempotencyScope Scope,
    string Fingerprint,
    IdempotencyState State,
    string CorrelationId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset LeaseExpiresAt)
{
    /// <summary>Set once an operator settled the key as executed (a key settled as not executed is released, so absent).</summary>
    public IdempotencyResolution? Resolution { get; init; }

    /// <summary>The review the record is bound to, when its tool needs review (kept after approval, for the record).</summary>
    public string? ReviewId { get; init; }

    /// <summary>Set when the store could not read some of the record: those fields hold placeholders, and it cannot be settled here.</summary>
    public IdempotencyUnreadable? Unreadable { get; init; }
}
