using Portcullis.Core.Configuration;

namespace Portcullis.Core.Security;

/// <summary>The OAuth resource URI of each connector (RFC 8707): its public endpoint URL.</summary>
public static class ResourceUris
{
    /// <summary>The base URL clients reach the gateway at: <c>public_url</c>, else <c>listen</c>, without a trailing slash.</summary>
    public static string BaseUrl(GatewayConfig config) => (config.PublicUrl ?? config.Listen).TrimEnd('/');

    /// <summary>The resource URI of the connector named <paramref name="server"/>: <c>{base}/mcp/{server}</c>.</summary>
    public static string For(GatewayConfig config, string server) => $"{BaseUrl(config)}/mcp/{server}";
}
