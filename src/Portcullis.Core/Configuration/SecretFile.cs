using System.Runtime.InteropServices;
using System.Text;

namespace Portcullis.Core.Configuration;

/// <summary>
/// Reads a <c>file:</c> secret: a regular file (a link to one is followed) of at most <see cref="MaxBytes"/>. On Linux
/// anything else is refused before it is opened, since opening a FIFO waits for a writer (the gateway's start-up, or a
/// call, would hang) and a device such as <c>/dev/zero</c> never ends; elsewhere, or where the system refuses
/// <c>statx</c>, only a folder is told apart, and the read stops after <see cref="MaxBytes"/> all the same.
/// </summary>
internal static partial class SecretFile
{
    /// <summary>The largest secret file read: room for a PEM key chain or a long connection string.</summary>
    public const int MaxBytes = 64 * 1024;

    private const int AtCurrentDirectory = -100;
    private const uint StatxType = 0x1;
    private const int ModeOffset = 28;
    private const int FileTypeMask = 0xF000;
    private const int RegularFile = 0x8000;
    private const int NoSuchFile = 2;
    private const int NotPermitted = 1;
    private const int NoSuchCall = 38;

    private static bool _statxMissing;

    /// <summary>The file's text, trimmed; or null, with <paramref name="absence"/> saying why there is none.</summary>
    public static string? Read(string path, out string absence)
    {
        absence = Kind(path) switch
        {
            FileKind.Missing => $"the file {path} does not exist",
            FileKind.Other => $"{path} is not a regular file (a FIFO, a device, a socket or a folder)",
            _ => "",
        };
        if (absence.Length > 0)
        {
            return null;
        }

        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
            var buffer = new byte[MaxBytes + 1];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = stream.Read(buffer, length, buffer.Length - length)) > 0)
            {
                length += read;
            }

            if (length > MaxBytes)
            {
                absence = $"the file {path} holds more than {MaxBytes / 1024} KiB";
                return null;
            }

            // A byte order mark (a file written by some Windows tools) is not part of the secret.
            var start = buffer.AsSpan(0, length).StartsWith(Encoding.UTF8.Preamble) ? Encoding.UTF8.Preamble.Length : 0;
            var text = Encoding.UTF8.GetString(buffer, start, length - start).Trim();
            absence = text.Length == 0 ? $"the file {path} is empty" : "";
            return text.Length == 0 ? null : text;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            absence = $"the file {path} cannot be read ({ex.GetType().Name})";
            return null;
        }
    }

    private static unsafe FileKind Kind(string path)
    {
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            // No file is named so; the system would read the name only up to the NUL, another file.
            return FileKind.Missing;
        }

        if (!OperatingSystem.IsLinux() || Volatile.Read(ref _statxMissing))
        {
            return File.Exists(path) ? FileKind.Regular : Directory.Exists(path) ? FileKind.Other : FileKind.Missing;
        }

        // statx's layout is the same on every architecture, unlike stat's.
        var buffer = stackalloc byte[256];
        try
        {
            if (Statx(AtCurrentDirectory, path, 0, StatxType, buffer) != 0)
            {
                switch (Marshal.GetLastPInvokeError())
                {
                    case NoSuchFile:
                        return FileKind.Missing;
                    case NoSuchCall or NotPermitted:
                        // A kernel without statx, or a sandbox (seccomp) that refuses it.
                        Volatile.Write(ref _statxMissing, true);
                        return Kind(path);
                    default:
                        // A folder on the way that may not be searched: left to the read, which says so.
                        return FileKind.Regular;
                }
            }
        }
        catch (EntryPointNotFoundException)
        {
            Volatile.Write(ref _statxMissing, true);
            return Kind(path);
        }

        return (*(ushort*)(buffer + ModeOffset) & FileTypeMask) == RegularFile ? FileKind.Regular : FileKind.Other;
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int directory, string path, int flags, uint mask, byte* buffer);

    private enum FileKind
    {
        Missing,
        Regular,
        Other,
    }
}
