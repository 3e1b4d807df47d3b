namespace Portcullis.Core.Idempotency;

/// <summary>One page of stored keys, newest first; <see cref="Next"/> fetches older ones, null at the end.</summary>
public sealed record IdempotencyRecordPage(IReadOnlyList<IdempotencyRecord> Records, string? Next);
