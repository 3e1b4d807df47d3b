namespace Portcullis.Core.Idempotency;

/// <summary>An operator's settlement of an outcome-unknown key: whether the call took effect, who said so, when and why.</summary>
public sealed record IdempotencyResolution(bool Executed, string ResolvedBy, DateTimeOffset ResolvedAt, string? Note);
