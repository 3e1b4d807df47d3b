using System.Net;

namespace Portcullis.Core.Configuration;

/// <summary>Facts about the address the gateway listens on.</summary>
public static class ListenAddress
{
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
