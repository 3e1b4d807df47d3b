using System.Net;
using System.Net.Sockets;
using Polly;
using Polly.CircuitBreaker;

namespace Portcullis.Core.Upstreams.Http;

/// <summary>
/// Sits under an HTTP upstream's client: opens a circuit breaker when the upstream keeps failing, and
/// turns 429, refused connections and an open circuit into typed exceptions the forwarder maps to
/// structured errors with the right delay.
/// </summary>
internal sealed class UpstreamResilienceHandler : DelegatingHandler
{
    private readonly ResiliencePipeline<HttpResponseMessage> _breaker;

    public UpstreamResilienceHandler(TimeProvider time, UpstreamBreakerOptions options)
    {
        _breaker = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                FailureRatio = options.FailureRatio,
                MinimumThroughput = options.MinimumThroughput,
                SamplingDuration = options.SamplingDuration,
                BreakDuration = options.BreakDuration,
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>(e => e is not UpstreamRateLimitedException)
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

        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            var retryAfter = RetryAfter(response);
            response.Dispose();
            throw new UpstreamRateLimitedException(retryAfter);
        }

        return response;
    }

    private static TimeSpan RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        if (header?.Date is { } date && response.Headers.Date is { } now)
        {
            return date - now > TimeSpan.Zero ? date - now : TimeSpan.FromSeconds(1);
        }

        return TimeSpan.FromSeconds(1);
    }
}
