namespace Portcullis.Core.Upstreams;

/// <summary>Raised inside the supervisor when an upstream dies soon after starting, so the restart backs off.</summary>
internal sealed class UpstreamExitedException : Exception
{
    public UpstreamExitedException()
    {
    }

    public UpstreamExitedException(string message)
        : base(message)
    {
    }

    public UpstreamExitedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
