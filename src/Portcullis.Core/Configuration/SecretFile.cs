using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Portcullis.Core.Configuration;

/// <summary>
/// Reads a <c>file:</c> secret: a regular file (a link to one is followed) of at most <see cref="MaxBytes"/>. On Linux
/// anything else is refused before it is opened, since opening a FIFO waits for a writer (the gateway's start-up, or a
/// call, would hang) and a device such as <c>/dev/zero</c> never ends; and what was opened is checked again (opened
/// without waiting), so a file swapped for a FIFO between the two is refused too. Elsewhere, or where the system
/// refuses <c>statx</c>, only a folder is told apart, and the read stops after <see cref="MaxBytes"/> all the same.
/// </summary>
internal static partial class SecretFile
{
    /// <summary>The largest secret file read: room for a PEM key chain or a long connection string.</summary>
    public const int MaxBytes = 64 * 1024;

    private const int AtCurrentDirectory = -100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxType = 0x1;
    private const int ModeOffset = 28;
    private const int FileTypeMask = 0xF000;
    private const int RegularFile = 0x8000;
    private const int ReadOnlyNonBlocking = 0x800; // O_RDONLY | O_NONBLOCK: a FIFO opens at once, writer or not.
    private const int CloseOnExec = 0x80000;
    private const int NoSuchFile = 2;
    private const int NotPermitted = 1;
    private const int NoSuchCall = 38;

    private static bool _statxMissing;

    /// <summary>The file's text, trimmed; or null, with <paramref name="absence"/> saying why there is none.</summary>
    public static string? Read(string path, out string absence)
    {
        var kind = Kind(AtCurrentDirectory, path, 0);
        if (kind != FileKind.Regular)
        {
            // Not even opened: opening some devices does something (a watchdog starts, a tape rewinds).
            absence = Absence(path, kind);
            return null;
        }

        try
        {
            using var handle = Open(path, out absence);
            if (handle is null)
            {
                return null;
            }

            var buffer = new byte[MaxBytes + 1];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = RandomAccess.Read(handle, buffer.AsSpan(length), length)) > 0)
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

    /// <summary>
    /// Whether <paramref name="path"/> is a regular file (or a link to one), asked without opening it: on Linux a FIFO,
    /// a device, a socket and a folder are not; elsewhere only a folder or a missing file is not.
    /// </summary>
    internal static bool IsRegular(string path) => Kind(AtCurrentDirectory, path, 0) == FileKind.Regular;

    /// <summary>
    /// Opens <paramref name="path"/> for reading if it is a regular file when opened: on Linux without waiting for a
    /// writer, the kind then read from the open file itself; or null, with <paramref name="absence"/> saying why.
    /// </summary>
    internal static SafeFileHandle? Open(string path, out string absence)
    {
        absence = "";
        if (!OperatingSystem.IsLinux() || Volatile.Read(ref _statxMissing))
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }

        var fd = OpenFile(path, ReadOnlyNonBlocking | CloseOnExec, 0);
        if (fd < 0)
        {
            var error = Marshal.GetLastPInvokeError();
            absence = error == NoSuchFile ? Absence(path, FileKind.Missing) : $"the file {path} cannot be read ({Marshal.GetPInvokeErrorMessage(error)})";
            return null;
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (Kind(fd, "", AtEmptyPath) == FileKind.Regular)
        {
            return handle;
        }

        handle.Dispose();
        absence = Absence(path, FileKind.Other);
        return null;
    }

    private static string Absence(string path, FileKind kind) => kind switch
    {
        FileKind.Missing => $"the file {path} does not exist",
        _ => $"{path} is not a regular file (a FIFO, a device, a socket or a folder)",
    };

    private static unsafe FileKind Kind(int directory, string path, int flags)
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
            if (Statx(directory, path, flags, StatxType, buffer) != 0)
            {
                switch (Marshal.GetLastPInvokeError())
                {
                    case NoSuchFile:
                        return FileKind.Missing;
                    case NoSuchCall or NotPermitted:
                        // A kernel without statx, or a sandbox (seccomp) that refuses it.
                        Volatile.Write(ref _statxMissing, true);
                        return directory == AtCurrentDirectory ? Kind(directory, path, flags) : FileKind.Regular;
                    default:
                        // A folder on the way that may not be searched: left to the read, which says so.
                        return FileKind.Regular;
                }
            }
        }
        catch (EntryPointNotFoundException)
        {
            Volatile.Write(ref _statxMissing, true);
            return directory == AtCurrentDirectory ? Kind(directory, path, flags) : FileKind.Regular;
        }

        return (*(ushort*)(buffer + ModeOffset) & FileTypeMask) == RegularFile ? FileKind.Regular : FileKind.Other;
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int directory, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenFile(string path, int flags, int mode);

    private enum FileKind
    {
        Missing,
        Regular,
        Other,
    }
}
