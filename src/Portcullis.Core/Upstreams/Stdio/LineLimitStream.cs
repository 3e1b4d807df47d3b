using System.Text;

namespace Portcullis.Core.Upstreams.Stdio;

/// <summary>
/// A stdio upstream's standard output as the MCP SDK reads it (one JSON-RPC message a line), refusing a line longer than
/// <see cref="MaxLineBytes"/>: the SDK's reader keeps a line whole until its newline, so an upstream that never ends one
/// would otherwise grow the gateway's memory without limit. Past the limit a read fails, which closes the connection.
/// A line that cannot be JSON-RPC (its first character other than blanks is not <c>{</c>), which the SDK skips without a
/// word, is handed to <c>strayLine</c>, its start only; what the SDK reads is unchanged.
/// </summary>
internal sealed class LineLimitStream(Stream inner, long maxLineBytes, Action<string>? strayLine = null) : CountingReadStream(inner)
{
    /// <summary>How much of a stray line is kept: more than the log shows of it, even in four-byte characters.</summary>
    private const int StrayPrefixBytes = 1024;

    private long _lineBytes;
    private LineStart _start;
    private byte[]? _stray;
    private int _strayLength;

    private enum LineStart
    {
        Blank,
        Json,
        Stray,
    }

    public long MaxLineBytes { get; } = maxLineBytes;

    protected override void Count(ReadOnlySpan<byte> bytes)
    {
        while (true)
        {
            var newline = bytes.IndexOf((byte)'\n');
            var line = newline < 0 ? bytes : bytes[..newline];
            _lineBytes += line.Length;
            if (_lineBytes > MaxLineBytes)
            {
                throw new IOException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"the upstream wrote a line of more than {MaxLineBytes} bytes to its standard output; the connection was closed"));
            }

            if (strayLine is not null && _start != LineStart.Json)
            {
                See(line);
            }

            if (newline < 0)
            {
                return;
            }

            if (_start == LineStart.Stray)
            {
                strayLine!(Encoding.UTF8.GetString(_stray!, 0, _strayLength).TrimEnd('\r'));
            }

            _lineBytes = 0;
            _start = LineStart.Blank;
            _strayLength = 0;
            bytes = bytes[(newline + 1)..];
        }
    }

    /// <summary>Decides from its first character that is not blank whether a line may be JSON-RPC, and keeps the start of one that cannot.</summary>
    private void See(ReadOnlySpan<byte> part)
    {
        if (_start == LineStart.Blank)
        {
            var first = part.IndexOfAnyExcept(" \t\r\v\f"u8);
            if (first < 0)
            {
                return;
            }

            _start = part[first] == (byte)'{' ? LineStart.Json : LineStart.Stray;
            part = part[first..];
        }

        if (_start == LineStart.Stray && _strayLength < StrayPrefixBytes)
        {
            _stray ??= new byte[StrayPrefixBytes];
            var kept = Math.Min(part.Length, StrayPrefixBytes - _strayLength);
            part[..kept].CopyTo(_stray.AsSpan(_strayLength));
            _strayLength += kept;
        }
    }
}
