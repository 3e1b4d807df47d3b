namespace Portcullis.Core.Upstreams.Http;

/// <summary>
/// The request never left the gateway: the connection was refused, or the circuit is open. Safe to retry
/// for any tool, and a write's idempotency key is released.
/// </summary>
internal sealed class UpstreamNotReachedException : HttpRequestException
{
    public UpstreamNotReachedException(TimeSpan retryAfter, Exception? innerException)
        : base("The upstream was not reached.", innerException)
    {
        RetryAfter = retryAfter;
    }

    public UpstreamNotReachedException()
        : this(TimeSpan.FromSeconds(1), null)
    {
    }

    public UpstreamNotReachedException(string message)
        : base(message)
    {
    }

    public UpstreamNotReachedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public TimeSpan RetryAfter { get; }
}
