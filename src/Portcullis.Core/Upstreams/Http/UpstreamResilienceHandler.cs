using System.Net;
using System.Net.Sockets;
using Polly;
using Polly.CircuitBreaker;

namespace Portcullis.Core.Upstreams.Http;

/// <summary>
/// Sits under an HTTP upstream's client: opens a circuit breaker when the upstream keeps failing, and
/// turns 429, a 503 with <c>Retry-After</c>, refused connections and an open circuit into typed exceptions the
/// forwarder maps to structured errors with the right delay.
/// </summary>
/// <remarks>A 503 counts as a failure for the breaker whether or not it says when to come back.</remarks>
internal sealed class UpstreamResilienceHandler : DelegatingHandler
{
    private readonly ResiliencePipeline<HttpResponseMessage> _breaker;
    private readonly TimeProvider _time;

    public UpstreamResilienceHandler(TimeProvider time, UpstreamBreakerOptions options)
    {
        _time = time;
        _breaker = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                FailureRatio = options.FailureRatio,
                MinimumThroughput = options.MinimumThroughput,
                SamplingDuration = options.SamplingDuration,
                BreakDuration = options.BreakDuration,
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .HandleResult(r => r.StatusCode >= HttpStatusCode.InternalServerError),
            })
            .Build();
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // Only a POST carries a request: "not reached" on a GET (the SDK's stream, or its resumption after a
        // POST was delivered) must never make a write look unsent, so GET failures keep their own exception.
        if (request.Method != HttpMethod.Post)
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        HttpResponseMessage response;
        try
        {
            response = await _breaker.ExecuteAsync(
                async ct =>
                {
                    try
                    {
                        return await base.SendAsync(request, ct).ConfigureAwait(false);
                    }
                    catch (HttpRequestException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.NetworkUnreachable })
                    {
                        throw new UpstreamNotReachedException(TimeSpan.FromSeconds(1), ex);
                    }
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (BrokenCircuitException ex)
        {
            throw new UpstreamNotReachedException(ex.RetryAfter ?? TimeSpan.FromSeconds(1), ex);
        }

        if (response.StatusCode == HttpStatusCode.TooManyRequests
            || (response.StatusCode == HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter is not null))
        {
            var (status, retryAfter) = (response.StatusCode, RetryAfter(response));
            response.Dispose();
            throw new UpstreamRetryAfterException(status, retryAfter);
        }

        return response;
    }

    /// <summary>The upstream's <c>Retry-After</c> (a delay, or a date against its own clock), between 1 s and an hour.</summary>
    private TimeSpan RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        var delay = header?.Delta
            ?? (header?.Date is { } date ? date - (response.Headers.Date ?? _time.GetUtcNow()) : TimeSpan.Zero);
        return delay < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1)
            : delay > UpstreamRetryAfterException.MaxRetryAfter ? UpstreamRetryAfterException.MaxRetryAfter
            : delay;
    }
}
