namespace Portcullis.Core.Upstreams.Http;

/// <summary>
/// Reads an upstream's answer and stops it at <c>limits.max_result_bytes</c>: a JSON body counts whole, an event
/// stream one event at a time (an empty line ends an event; lines end with CR, LF or CRLF, as the SSE format has
/// them), so a long stream of small events is never cut, and an event is judged at each of its line ends, however
/// the bytes arrive.
/// </summary>
internal sealed class AnswerLimitStream(Stream inner, AnswerLimit limit) : CountingReadStream(inner)
{
    private long _counted;
    private bool _lineHasText;
    private bool _afterCr;

    protected override void Count(ReadOnlySpan<byte> read)
    {
        if (!limit.PerEvent)
        {
            _counted += read.Length;
            CheckLimit();
            return;
        }

        var rest = read;
        while (rest.Length > 0)
        {
            var end = rest.IndexOfAny((byte)'\r', (byte)'\n');
            if (end != 0)
            {
                // Text of the current line (all of the rest when no line ends in it).
                _lineHasText = true;
                _afterCr = false;
            }

            if (end < 0)
            {
                _counted += rest.Length;
                break;
            }

            _counted += end + 1;
            var terminator = rest[end];
            rest = rest[(end + 1)..];
            if (terminator == (byte)'\n' && end == 0 && _afterCr)
            {
                // The LF of a CRLF: the line already ended at its CR.
                _afterCr = false;
                continue;
            }

            CheckLimit();
            if (!_lineHasText)
            {
                // An empty line: the event is complete, the next one counts from zero.
                _counted = 0;
            }

            _lineHasText = false;
            _afterCr = terminator == (byte)'\r';
        }

        CheckLimit();
    }

    private void CheckLimit()
    {
        if (_counted > limit.Bytes)
        {
            limit.OnCut?.Invoke();
            throw new UpstreamAnswerTooLargeException(limit.Bytes);
        }
    }
}
