using Portcullis.Core.Configuration;

namespace Portcullis.Core.Security;

/// <summary>The OAuth resource URI of each connector (RFC 8707): its public endpoint URL.</summary>
public static class ResourceUris
{
    /// <summary>The base URL clients reach the gateway at: <c>public_url</c>, else <c>listen</c>, without a trailing slash.</summary>
    public static string BaseUrl(GatewayConfig config) => (config.PublicUrl ?? config.Listen).TrimEnd('/');

    /// <summary>The resource URI of the connector named <paramref name="server"/>: <c>{base}/mcp/{server}</c>.</summary>
    public static string For(GatewayConfig config, string server) => $"{BaseUrl(config)}/mcp/{server}";

    /// <summary>
    /// Where the connector's RFC 9728 metadata is read, named in every challenge: the well-known path inserted between the
    /// resource URI's host and its path (<c>https://mcp.example.com/.well-known/oauth-protected-resource/mcp/crm</c>), from
    /// <c>public_url</c> as the resource is, never from the request's own host or scheme.
    /// </summary>
    public static string MetadataFor(GatewayConfig config, string server)
    {
        var resource = new Uri(For(config, server));
        return $"{resource.Scheme}://{resource.Authority}/.well-known/oauth-protected-resource{resource.AbsolutePath}";
    }
}
