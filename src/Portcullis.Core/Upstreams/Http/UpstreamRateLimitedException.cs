using System.Net;

namespace Portcullis.Core.Upstreams.Http;

/// <summary>The HTTP upstream answered 429; carries its <c>Retry-After</c>.</summary>
internal sealed class UpstreamRateLimitedException : HttpRequestException
{
    public UpstreamRateLimitedException(TimeSpan retryAfter)
        : base("The upstream answered 429.", null, HttpStatusCode.TooManyRequests)
    {
        RetryAfter = retryAfter;
    }

    public UpstreamRateLimitedException()
        : this(TimeSpan.FromSeconds(1))
    {
    }

    public UpstreamRateLimitedException(string message)
        : base(message)
    {
    }

    public UpstreamRateLimitedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public TimeSpan RetryAfter { get; }
}
