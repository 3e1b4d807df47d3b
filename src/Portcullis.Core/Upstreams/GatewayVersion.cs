using System.Reflection;

namespace Portcullis.Core.Upstreams;

/// <summary>The gateway's informational version, as announced to upstreams and clients.</summary>
internal static class GatewayVersion
{
    public static readonly string Value =
        typeof(GatewayVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";
}
