using System.Net;

namespace Portcullis.Core.Upstreams.Http;

/// <summary>
/// Sits under an HTTP upstream's client and bounds what one answer may make the gateway read
/// (<c>limits.max_result_bytes</c>): a declared length over the limit is refused before anything is read, and a body of
/// no declared length or an event stream is read through an <see cref="AnswerLimitStream"/>, so an answer past the limit
/// costs no more than the limit.
/// </summary>
internal sealed class UpstreamAnswerLimitHandler(long limit) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.Content is not { } content || response.StatusCode == HttpStatusCode.Accepted)
        {
            return response;
        }

        var eventStream = content.Headers.ContentType?.MediaType == "text/event-stream";
        if (!eventStream && content.Headers.ContentLength is { } length)
        {
            // A declared length is all the client reads of the body: judged here, nothing needs counting.
            if (length <= limit)
            {
                return response;
            }

            response.Dispose();
            throw new UpstreamAnswerTooLargeException(limit);
        }

        response.Content = new LimitedContent(content, limit, eventStream);
        return response;
    }

    /// <summary>The upstream's content with its headers, read only through the limit.</summary>
    private sealed class LimitedContent : HttpContent
    {
        private readonly HttpContent _inner;
        private readonly long _limit;
        private readonly bool _perEvent;

        public LimitedContent(HttpContent inner, long limit, bool perEvent)
        {
            _inner = inner;
            _limit = limit;
            _perEvent = perEvent;
            foreach (var header in inner.Headers)
            {
                Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) =>
            new AnswerLimitStream(await _inner.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), _limit, _perEvent);

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
