using System.Globalization;
using System.Net;

namespace Portcullis.Core.Upstreams.Credentials;

/// <summary>
/// The HTTP upstream answered 401 or 403: it refused the gateway's own credentials and did not act on the request, so a
/// write's key is released. Not an outage: the same request gets the same answer until an operator fixes the credentials.
/// </summary>
internal sealed class UpstreamCredentialsRefusedException : HttpRequestException
{
    public UpstreamCredentialsRefusedException(HttpStatusCode statusCode)
        : base(string.Create(CultureInfo.InvariantCulture, $"the upstream refused the gateway's credentials (HTTP {(int)statusCode} {statusCode})"), null, statusCode)
    {
    }

    public UpstreamCredentialsRefusedException()
        : this(HttpStatusCode.Unauthorized)
    {
    }

    public UpstreamCredentialsRefusedException(string message)
        : base(message)
    {
    }

    public UpstreamCredentialsRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
