using System.Globalization;
using System.Text.Json;

namespace Portcullis.Core.Audit.Jsonl;

/// <summary>
/// Answers audit queries from a jsonl file by reading it through, keeping only the newest matches of one page. The
/// cursor is the byte offset of the oldest line returned. Lines that are not audit events are skipped.
/// </summary>
internal sealed class JsonlAuditReader(string path) : IAuditReader
{
    public async ValueTask<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        long before = long.MaxValue;
        if (query.Cursor is { } cursor && !long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out before))
        {
            throw new ArgumentException("The cursor is not one this trail gave out.", nameof(query));
        }

        if (!File.Exists(path))
        {
            return new AuditPage([], null);
        }

        var page = new Queue<(long Offset, AuditEvent Event)>(query.Limit + 1);
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, useAsync: true);
        var offset = 0L;
        var matches = 0L;
        var buffer = new byte[64 * 1024];
        var line = new MemoryStream();
        int read;
        while (offset < before && (read = await file.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            var from = 0;
            for (var i = 0; i < read; i++)
            {
                if (buffer[i] != (byte)'\n')
                {
                    continue;
                }

                line.Write(buffer, from, i - from);
                var length = line.Length;
                var start = offset;
                offset += length + 1;
                from = i + 1;
                if (start >= before)
                {
                    break;
                }

                if (Parse(line.GetBuffer().AsSpan(0, (int)length)) is { } e && query.Matches(e))
                {
                    matches++;
                    page.Enqueue((start, e));
                    if (page.Count > query.Limit)
                    {
                        page.Dequeue();
                    }
                }

                line.SetLength(0);
            }

            if (from < read)
            {
                line.Write(buffer, from, read - from);
            }
        }

        var newestFirst = page.Reverse().ToList();
        var more = matches > newestFirst.Count;
        return new AuditPage([.. newestFirst.Select(p => p.Event)], more ? newestFirst[^1].Offset.ToString(CultureInfo.InvariantCulture) : null);
    }

    private static AuditEvent? Parse(ReadOnlySpan<byte> line)
    {
        if (line.IsEmpty)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(line.ToArray());
            return AuditJson.Read(document.RootElement);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Not JSON, or a string no .NET text can hold (a lone surrogate escaped): not a line the gateway wrote.
            return null;
        }
    }
}
