namespace Portcullis.Core.Upstreams.Credentials;

/// <summary>The gateway could not obtain its own credential for an upstream; the message never holds a secret.</summary>
public sealed class UpstreamCredentialException : HttpRequestException
{
    public UpstreamCredentialException(string message)
        : base(message)
    {
    }

    public UpstreamCredentialException()
    {
    }

    public UpstreamCredentialException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
