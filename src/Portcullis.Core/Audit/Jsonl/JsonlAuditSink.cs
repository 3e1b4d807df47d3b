using System.Buffers;
using Microsoft.Extensions.Logging;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Audit.Jsonl;

/// <summary>
/// Appends one JSON object a line to a file for log shippers. Each batch is one write of whole lines, flushed to disk
/// before the next: a line cut short (by a crash, a full disk or a power loss) can only be the file's last, and is
/// removed when the file is next opened. A file moved or deleted by log rotation is
/// noticed and a new one started.
/// </summary>
internal sealed class JsonlAuditSink(string path, ILogger<JsonlAuditSink> logger) : IAuditSink, IDisposable
{
    private static readonly byte[] NewLine = "\n"u8.ToArray();

    // The events of a failed write whose whole lines reached the file before it failed: the trail writes the same batch
    // again, and these are not written twice.
    private readonly HashSet<AuditEvent> _alreadyWritten = new(ReferenceEqualityComparer.Instance);
    private FileStream? _file;
    private string? _openedTarget;

    public string Name => "jsonl";

    /// <summary>An event that does not serialize; a failed write of the file (always an <see cref="IOException"/>) is an outage.</summary>
    public bool Refuses(Exception exception) => AuditSinkErrors.IsContent(exception);

    public string Path => path;

    public ValueTask WriteAsync(IReadOnlyList<AuditEvent> events, CancellationToken cancellationToken)
    {
        var file = Current();
        var pending = _alreadyWritten.Count == 0 ? events : [.. events.Where(e => !_alreadyWritten.Contains(e))];
        var lines = new ArrayBufferWriter<byte>(pending.Count * 512);
        AuditJson.WriteLines(pending, lines);
        var start = file.Position;
        try
        {
            // The whole batch in one write(2) of whole lines: a write cut short (a full disk, a crash) leaves a torn last
            // line, which the next open cuts away.
            file.Write(lines.WrittenSpan);
            file.Flush(flushToDisk: true);
            _alreadyWritten.Clear();
        }
        catch (Exception) when (RememberWholeLines(file, start, pending, lines.WrittenSpan))
        {
            // Never caught: the filter only notes what reached the file.
            throw;
        }
        catch (Exception ex) when (AuditSinkErrors.IsContent(ex))
        {
            // The file failed, not an event: a write past the file size limit (EFBIG: systemd's LimitFSIZE, the file
            // system's largest file) comes as an ArgumentOutOfRangeException, which the trail would take for an event it
            // cannot store, dropping every one while the sink counted as up.
            Close();
            throw new IOException($"Cannot write the audit file: {ex.Message}", ex);
        }
        catch
        {
            // The next attempt reopens, cutting any partial line this one left.
            Close();
            throw;
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Notes the events whose whole lines reached the file before a write failed (cut short by a full disk or the file
    /// size limit): they stay in it, and the trail's next attempt at the same batch must not add them again. Always false.
    /// </summary>
    private bool RememberWholeLines(FileStream file, long start, IReadOnlyList<AuditEvent> pending, ReadOnlySpan<byte> lines)
    {
        try
        {
            var reached = (int)Math.Clamp(RandomAccess.GetLength(file.SafeFileHandle) - start, 0, lines.Length);
            var whole = lines[..reached].Count((byte)'\n');
            for (var i = 0; i < whole; i++)
            {
                _alreadyWritten.Add(pending[i]);
            }
        }
        catch (IOException)
        {
            // The file cannot say how much it took: the batch is written whole again, as before.
        }

        return false;
    }

    /// <summary>Retention of jsonl files belongs to the log rotation that ships them.</summary>
    public ValueTask<int> PurgeAsync(DateTimeOffset before, CancellationToken cancellationToken) => ValueTask.FromResult(0);

    public void Dispose() => Close();

    private FileStream Current()
    {
        if (_file is not null && StillAtPath(_file))
        {
            return _file;
        }

        Close();
        var folder = System.IO.Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        // No buffering: each Write is one write(2) of a whole batch.
        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        try
        {
            RepairTornLine(file);
            file.Seek(0, SeekOrigin.End);
        }
        catch
        {
            file.Dispose();
            throw;
        }

        _file = file;
        _openedTarget = DescriptorTarget(file);
        return file;
    }

    /// <summary>Cuts the file back to its last newline, so a line cut short by a crash is not followed by the next.</summary>
    private void RepairTornLine(FileStream file)
    {
        var length = file.Length;
        if (length == 0)
        {
            return;
        }

        var buffer = new byte[4096];
        var end = length;
        while (end > 0)
        {
            var start = Math.Max(0, end - buffer.Length);
            var count = (int)(end - start);
            file.Seek(start, SeekOrigin.Begin);
            file.ReadExactly(buffer, 0, count);
            var newline = Array.LastIndexOf(buffer, NewLine[0], count - 1, count);
            if (newline >= 0)
            {
                var keep = start + newline + 1;
                if (keep < length)
                {
                    file.SetLength(keep);
                    Log.AuditTornLineRepaired(logger, length - keep);
                }

                return;
            }

            end = start;
        }

        file.SetLength(0);
        Log.AuditTornLineRepaired(logger, length);
    }

    /// <summary>
    /// False once log rotation moved or deleted the file (on Linux the open descriptor's target changes, or gains
    /// " (deleted)"); a file truncated in place (copytruncate) is written from its new end.
    /// </summary>
    private bool StillAtPath(FileStream file)
    {
        if (!File.Exists(path) || (OperatingSystem.IsLinux() && !string.Equals(DescriptorTarget(file), _openedTarget, StringComparison.Ordinal)))
        {
            return false;
        }

        if (file.Length < file.Position)
        {
            file.Seek(0, SeekOrigin.End);
        }

        return true;
    }

    private static string? DescriptorTarget(FileStream file) =>
        OperatingSystem.IsLinux() ? new FileInfo($"/proc/self/fd/{file.SafeFileHandle.DangerousGetHandle()}").LinkTarget : null;

    private void Close()
    {
        _file?.Dispose();
        _file = null;
    }
}
