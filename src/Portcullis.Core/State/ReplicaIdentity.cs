using System.Security.Cryptography;
using Portcullis.Core.Configuration;

namespace Portcullis.Core.State;

/// <summary>
/// This replica as the others and the store know it: a stable id, an incarnation new at every start, and the
/// address other replicas reach it at. Records this replica claims carry <see cref="Owner"/>.
/// </summary>
/// <param name="Id">Unique among the replicas and stable across restarts.</param>
/// <param name="Incarnation">Random, new at each start: tells this process's claims from its dead predecessor's.</param>
/// <param name="AdvertiseUrl">
/// Base URL other replicas reach this one at; null for a single replica. Port 0 stands for the port this replica's
/// listener binds, adopted once bound (<see cref="AdoptBoundPort"/>).
/// </param>
public sealed record ReplicaIdentity(string Id, string Incarnation, string? AdvertiseUrl)
{
    /// <summary>Base URL other replicas reach this one at; null for a single replica.</summary>
    public string? AdvertiseUrl { get; private set; } = AdvertiseUrl;

    /// <summary>With an advertised port of 0, adopts the port the listener bound; set before the gateway serves.</summary>
    public void AdoptBoundPort(int port)
    {
        if (AdvertiseUrl is not null && Uri.TryCreate(AdvertiseUrl, UriKind.Absolute, out var url) && url.Port == 0)
        {
            AdvertiseUrl = new UriBuilder(url) { Port = port }.Uri.GetLeftPart(UriPartial.Authority);
        }
    }

    /// <summary>The owner written into every claim: id and incarnation.</summary>
    public string Owner => $"{Id}#{Incarnation}";

    /// <summary>The identity of this process for <paramref name="config"/>.</summary>
    public static ReplicaIdentity For(GatewayConfig config)
    {
        var advertise = config.Replica.AdvertiseUrl?.TrimEnd('/');
        var id = config.Replica.Id ?? advertise ?? "single";
        return new ReplicaIdentity(id, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), advertise);
    }

    /// <summary>The replica id part of an <see cref="Owner"/> value.</summary>
    public static string IdOf(string owner)
    {
        var at = owner.LastIndexOf('#');
        return at < 0 ? owner : owner[..at];
    }
}
