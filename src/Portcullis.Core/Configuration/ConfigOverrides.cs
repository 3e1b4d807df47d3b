namespace Portcullis.Core.Configuration;

/// <summary>Command-line values that win over the file, so several instances can run side by side.</summary>
public sealed record ConfigOverrides(
    string? Listen = null,
    string? DataDir = null,
    string? AdminListen = null,
    string? LogFormat = null,
    string? AdvertiseUrl = null,
    string? ReplicaId = null);
