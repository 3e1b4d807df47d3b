using System.Net;
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
        response.Content = new LimitedContent(content, new AnswerLimit(limit, eventStream, onCut));
        return response;
    }

    /// <summary>The upstream's content with its headers, read only through the limit.</summary>
    private sealed class LimitedContent : HttpContent
    {
        private readonly HttpContent _inner;
        private readonly AnswerLimit _limit;

        public LimitedContent(HttpContent inner, AnswerLimit limit)
        {
            _inner = inner;
            _limit = limit;
            foreach (var header in inner.Headers)
            {
                Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) =>
            new AnswerLimitStream(await _inner.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), _limit);

        protected override Task<Stream> CreateContentReadStreamAsync() => CreateContentReadStreamAsync(CancellationToken.None);

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            var source = await CreateContentReadStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (source.ConfigureAwait(false))
            {
                await source.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
