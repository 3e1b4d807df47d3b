using Portcullis.Core.Configuration;

namespace Portcullis.Security;

/// <summary>
/// Which Host and Origin headers the gateway answers. While listening on loopback the default is the
/// loopback names only, so a web page whose DNS name rebinds to 127.0.0.1 cannot reach the gateway.
/// </summary>
internal sealed class HostPolicy
{
    private static readonly string[] LoopbackNames = ["localhost", "127.0.0.1", "[::1]"];

    private readonly HashSet<string>? _hosts;
    private readonly HashSet<string>? _origins;

    public HostPolicy(GatewayConfig config)
    {
        var loopback = ListenAddress.IsLoopback(config.Listen);
        var hosts = config.AllowedHosts ?? (loopback ? [.. LoopbackNames] : null);
        _hosts = hosts?.Select(h => h.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
        _origins = config.AllowedOrigins?.Select(o => o.TrimEnd('/').ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>A Host header value (name or name:port) is allowed when its name or the whole value is listed.</summary>
    public bool AllowsHost(string? host)
    {
        if (_hosts is null)
        {
            return true;
        }

        if (string.IsNullOrEmpty(host))
        {
            return false;
        }

        var value = host.ToLowerInvariant();
        return _hosts.Contains(value) || _hosts.Contains(NameOf(value));
    }

    /// <summary>
    /// No Origin (not a browser) is fine; otherwise the origin must be listed in <c>allowed_origins</c>, or,
    /// when that list is absent, its host must pass the Host check.
    /// </summary>
    public bool AllowsOrigin(string? origin)
    {
        if (string.IsNullOrEmpty(origin))
        {
            return true;
        }

        var value = origin.TrimEnd('/').ToLowerInvariant();
        if (_origins is not null)
        {
            return _origins.Contains(value);
        }

        return Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && AllowsHost(uri.Authority);
    }

    private static string NameOf(string host)
    {
        if (host.StartsWith('['))
        {
            var end = host.IndexOf(']', StringComparison.Ordinal);
            return end > 0 ? host[..(end + 1)] : host;
        }

        var colon = host.LastIndexOf(':');
        return colon > 0 ? host[..colon] : host;
    }
}
