namespace Portcullis.Core.Upstreams;

/// <summary>A snapshot of an upstream's health, safe to publish (no secrets, no addresses).</summary>
public sealed record UpstreamStatus(UpstreamState State, int Restarts, DateTimeOffset? NextAttemptAt, string? LastError);
