using Microsoft.Extensions.Logging;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Upstreams.Http;

/// <summary>
/// Sits under an HTTP upstream's client and bounds what one answer may make the gateway read
/// (<c>limits.max_result_bytes</c>): a successful answer whose declared length is over the limit is refused before
/// anything is read; any other body (an event stream, a body of no declared length or sent in chunks, an error's body)
/// is read through an <see cref="AnswerLimitStream"/>, which stops reading past the limit.
/// </summary>
/// <remarks>
/// It sits under the resilience handler, so a 429 or a 5xx keeps its meaning (rate limited, an outage for the circuit
/// breaker) and a 404 still ends the session in the MCP client: their bodies are only cut short, never refused whole.
/// </remarks>
internal sealed class UpstreamAnswerLimitHandler(long limit, string connector, ILogger logger) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.Content is not { } content)
        {
            return response;
        }

        var eventStream = content.Headers.ContentType?.MediaType == "text/event-stream";
        if (!eventStream && content.Headers.ContentLength is { } length && response.Headers.TransferEncodingChunked != true)
        {
            // Without chunks, the declared length is all the client reads of the body: judged here, nothing needs counting.
            if (length <= limit)
            {
                return response;
            }

            if (response.IsSuccessStatusCode)
            {
                response.Dispose();
                throw new UpstreamAnswerTooLargeException(limit);
            }
        }

        // The GET stream carries the upstream's own messages, and nothing answers for it when it is cut: say so here.
        Action? onCut = request.Method == HttpMethod.Get ? () => Log.UpstreamStreamCut(logger, connector, limit) : null;
        var answerLimit = new AnswerLimit(limit, eventStream, onCut);
        response.Content = new WrappedContent(content, stream => new AnswerLimitStream(stream, answerLimit));
        return response;
    }
}
