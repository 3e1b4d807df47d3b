namespace Portcullis.Core.Relay;

/// <summary>The replica holding a pending call: its owner value (id and incarnation) and its advertised address.</summary>
public sealed record PendingCallRoute(string Owner, string AdvertiseUrl, DateTimeOffset ExpiresAt);
