using System.Net;

namespace Portcullis.Core.Upstreams.Http;

/// <summary>
/// The HTTP upstream asked the gateway to wait: 429 (it refused the request), or 503 with a <c>Retry-After</c> (it was
/// reached, so a write may have acted: a 503 does not prove it did not). Carries the delay.
/// </summary>
internal sealed class UpstreamRetryAfterException : HttpRequestException
{
    /// <summary>The longest delay passed on: a date far ahead, or a huge delta, is the upstream's mistake.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromHours(1);

    public UpstreamRetryAfterException(HttpStatusCode statusCode, TimeSpan retryAfter)
        : base($"The upstream answered {(int)statusCode} with a Retry-After.", null, statusCode)
    {
        RetryAfter = retryAfter;
    }

    public UpstreamRetryAfterException()
        : this(HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(1))
    {
    }

    public UpstreamRetryAfterException(string message)
        : base(message)
    {
    }

    public UpstreamRetryAfterException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public TimeSpan RetryAfter { get; }
}
