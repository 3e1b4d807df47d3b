namespace Portcullis.Core.Upstreams.Stdio;

/// <summary>
/// A stdio upstream's standard output as the MCP SDK reads it (one JSON-RPC message a line), refusing a line longer than
/// <see cref="MaxLineBytes"/>: the SDK's reader keeps a line whole until its newline, so an upstream that never ends one
/// would otherwise grow the gateway's memory without limit. Past the limit a read fails, which closes the connection.
/// </summary>
internal sealed class LineLimitStream(Stream inner, long maxLineBytes) : CountingReadStream(inner)
{
    private long _lineBytes;

    public long MaxLineBytes { get; } = maxLineBytes;

    protected override void Count(ReadOnlySpan<byte> bytes)
    {
        while (true)
        {
            var newline = bytes.IndexOf((byte)'\n');
            _lineBytes += newline < 0 ? bytes.Length : newline;
            if (_lineBytes > MaxLineBytes)
            {
                throw new IOException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"the upstream wrote a line of more than {MaxLineBytes} bytes to its standard output; the connection was closed"));
            }

            if (newline < 0)
            {
                return;
            }

            _lineBytes = 0;
            bytes = bytes[(newline + 1)..];
        }
    }
}
