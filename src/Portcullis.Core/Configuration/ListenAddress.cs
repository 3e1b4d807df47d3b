using System.Net;

namespace Portcullis.Core.Configuration;

/// <summary>Facts about the address the gateway listens on.</summary>
public static class ListenAddress
{
    /// <summary>
    /// Why <paramref name="url"/> is no address the gateway can listen on, or null: Kestrel takes an http scheme, a host and
    /// a port, nothing more (TLS terminates at a proxy in front; a path would have to be served by the application, and
    /// credentials in a listen URL mean nothing). The value itself is never repeated: it may be a secret pasted there.
    /// </summary>
    public static string? Problem(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            return PortOutOfRange(url)
                ? "has a port outside 0 to 65535 (0 lets the system choose one); write http://HOST:PORT, such as http://127.0.0.1:8080"
                : "is not a URL; write http://HOST:PORT, such as http://127.0.0.1:8080";
        }

        if (uri.Scheme == Uri.UriSchemeHttps)
        {
            return "https is not served by the gateway itself: listen on http and terminate TLS at the proxy in front (operations.md)";
        }

        if (uri.Scheme != Uri.UriSchemeHttp)
        {
            return "must be an http URL, such as http://127.0.0.1:8080";
        }

        if (uri.UserInfo.Length > 0 || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            return "must be http://HOST:PORT alone: no path, query, fragment or user name (the endpoints' paths are fixed: /mcp/{server}, /admin)";
        }

        return null;
    }

    /// <summary>
    /// True for a URL refused only for its port: the digits after the host's last colon (past any IPv6 brackets), up to
    /// an optional slash, make a number over 65535 (<c>http://127.0.0.1:99999</c>), which the URL parser refuses whole.
    /// </summary>
    private static bool PortOutOfRange(string url)
    {
        var authority = url.AsSpan();
        var scheme = authority.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
        {
            return false;
        }

        authority = authority[(scheme + 3)..].TrimEnd('/');
        var colon = authority.LastIndexOf(':');
        if (colon <= 0 || colon < authority.LastIndexOf(']'))
        {
            return false;
        }

        var port = authority[(colon + 1)..];
        return port.Length > 0 && !port.ContainsAnyExceptInRange('0', '9')
            && (port.Length > 5 || int.Parse(port, System.Globalization.CultureInfo.InvariantCulture) > 65535)
            && Uri.TryCreate(url[..(scheme + 3)] + authority[..colon].ToString(), UriKind.Absolute, out _);
    }

    /// <summary>What a URL that carries credentials must be.</summary>
    public const string SecureRule = "must be an https URL (plain http only for a loopback host)";

    /// <summary>
    /// True for an https URL, or a plain http one to a loopback host: where credentials, and anything else that must not
    /// cross the network in clear, may be sent.
    /// </summary>
    public static bool IsSecureOrLoopback(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && IsLoopback(url)));

    /// <summary>
    /// True when <paramref name="url"/> binds every address (<c>0.0.0.0</c>, <c>[::]</c>, <c>*</c>, <c>+</c>): it names no
    /// address anyone can open, so it cannot stand for the URL people reach the listener at.
    /// </summary>
    public static bool IsEveryAddress(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) && IsAnyHost(uri.Host);

    /// <summary>True for a host that stands for every address of the machine.</summary>
    public static bool IsAnyHost(string host) =>
        host is "*" or "+"
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)));

    /// <summary>True when <paramref name="url"/> binds only to a loopback interface.</summary>
    public static bool IsLoopback(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return false;
        }

        return uri.IsLoopback
            || string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
    }
}
