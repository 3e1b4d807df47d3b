namespace Portcullis.Core.Configuration;

/// <summary>Command-line values that win over the file, so several instances can run side by side.</summary>
public sealed record ConfigOverrides(
    string? Listen = null,
    string? DataDir = null,
    string? AdminListen = null,
    string? LogFormat = null,
    string? AdvertiseUrl = null,
    string? ReplicaId = null)
{
    /// <summary>
    /// False for commands that read the configuration without running a replica (<c>audit</c>, <c>pin</c>): what only a
    /// serving replica needs (its <c>replica.advertise_url</c>, which <c>serve --advertise-url</c> gives per replica) is not required.
    /// </summary>
    public bool Serving { get; init; } = true;
}
