namespace Portcullis.Core.Configuration;

/// <summary>How this replica is known to the others.</summary>
public sealed class ReplicaConfig
{
    /// <summary>A name unique among the replicas and stable across restarts; defaults to <see cref="AdvertiseUrl"/>.</summary>
    public string? Id { get; set; }

    /// <summary>The base URL at which the other replicas reach this one directly (not through the load balancer).</summary>
    public string? AdvertiseUrl { get; set; }
}
