using System.Text;

namespace Portcullis.Core.Upstreams.Stdio;

/// <summary>
/// Reads a stdio upstream's standard error as lines of at most <see cref="MaxLineBytes"/> bytes: a longer line is cut
/// there (marked with "…") and the rest of it skipped up to its newline, so an upstream that writes without newlines
/// costs the gateway no more memory than one cut line.
/// </summary>
internal static class StderrLines
{
    public const int MaxLineBytes = 16 * 1024;

    /// <summary>Hands each line to <paramref name="line"/> until the stream ends or fails (the process exited or was killed).</summary>
    public static async Task PumpAsync(Stream stderr, Action<string> line, CancellationToken cancellationToken)
    {
        var chunk = new byte[4096];
        var pending = new byte[MaxLineBytes];
        var length = 0;
        var skipping = false;
        try
        {
            while (true)
            {
                var read = await stderr.ReadAsync(chunk, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                var rest = chunk.AsSpan(0, read);
                while (!rest.IsEmpty)
                {
                    var newline = rest.IndexOf((byte)'\n');
                    var segment = newline < 0 ? rest : rest[..newline];
                    if (!skipping)
                    {
                        var room = Math.Min(segment.Length, pending.Length - length);
                        segment[..room].CopyTo(pending.AsSpan(length));
                        length += room;
                        if (room < segment.Length)
                        {
                            line(Decode(pending, length) + "…");
                            length = 0;
                            skipping = true;
                        }
                    }

                    if (newline < 0)
                    {
                        break;
                    }

                    if (!skipping)
                    {
                        line(Decode(pending, length));
                    }

                    length = 0;
                    skipping = false;
                    rest = rest[(newline + 1)..];
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The process went away: what was read is relayed below, the rest is gone with it.
        }

        if (length > 0 && !skipping)
        {
            line(Decode(pending, length));
        }
    }

    private static string Decode(byte[] bytes, int length) => Encoding.UTF8.GetString(bytes, 0, length).TrimEnd('\r');
}
