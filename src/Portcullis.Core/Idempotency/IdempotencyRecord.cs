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
}
