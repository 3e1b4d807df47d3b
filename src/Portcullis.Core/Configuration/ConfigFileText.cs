using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Portcullis.Core.Configuration;

/// <summary>
/// Reads a config file's text (or a lock file's: <see cref="TextFileRole"/>), or says why there is none. A folder, a file that cannot be read and bytes that are not
/// UTF-8 are each named as what they are: <see cref="File.ReadAllText(string)"/> put U+FFFD in place of a byte that is
/// not UTF-8, so a mistyped environment, path or name was taken as another one without a word. Only a regular file of
/// at most <see cref="MaxBytes"/> is read: a FIFO would hang every verb until something wrote to it, and
/// <c>/dev/zero</c> or a huge file would be read into memory whole (see <see cref="SecretFile"/> for how it is told).
/// </summary>
internal static class ConfigFileText
{
    /// <summary>The largest config file read: far beyond any real config, even with many connectors and inline schemas.</summary>
    public const int MaxBytes = 16 * 1024 * 1024;

    /// <summary>The file's text, or null with <paramref name="problem"/> saying why.</summary>
    public static string? Read(string path, string fullPath, out string? problem) =>
        ReadBytes(path, fullPath, TextFileRole.Config, out problem) is { } bytes ? Decode(bytes, out problem) : null;

    /// <summary>
    /// The bytes of the regular file at <paramref name="fullPath"/>, at most <see cref="MaxBytes"/>, or null with
    /// <paramref name="problem"/> saying why, naming <paramref name="path"/> as the <paramref name="role"/> it is.
    /// </summary>
    public static byte[]? ReadBytes(string path, string fullPath, TextFileRole role, out string? problem)
    {
        problem = null;
        if (Directory.Exists(fullPath))
        {
            problem = $"'{path}' is a folder, not a file: give the path of the {role.Noun} itself, such as {Path.Combine(path, role.Example)}";
            return null;
        }

        if (!File.Exists(fullPath))
        {
            problem = $"the file '{path}' does not exist";
            return null;
        }

        if (!SecretFile.IsRegular(fullPath))
        {
            // Not even opened: opening a FIFO waits for a writer, and opening some devices does something.
            problem = NotRegular(path, role);
            return null;
        }

        byte[] bytes;
        try
        {
            using var handle = SecretFile.Open(fullPath, out var absence);
            if (handle is null)
            {
                // Not to be read by this user (the reason names the file), swapped for something else since it was asked
                // about, or gone.
                problem = SecretFile.IsRegular(fullPath) ? absence
                    : File.Exists(fullPath) || Directory.Exists(fullPath) ? NotRegular(path, role) : $"the file '{path}' cannot be read: {absence}";
                return null;
            }

            bytes = ReadAtMost(handle, MaxBytes);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = $"the file '{path}' cannot be read: {ex.Message}";
            return null;
        }

        if (bytes.Length > MaxBytes)
        {
            problem = $"the file '{path}' is larger than {MaxBytes / (1024 * 1024)} MiB, far more than {role.Bulk} holds: is it the {role.Noun}?";
            return null;
        }

        return bytes;
    }

    /// <summary>
    /// The text of a file's <paramref name="bytes"/> (UTF-8, with or without its byte order mark, or UTF-16 or UTF-32 with
    /// theirs), or null with <paramref name="problem"/> naming the line of the first byte sequence that is not UTF-8.
    /// </summary>
    public static string? Decode(byte[] bytes, out string? problem)
    {
        problem = null;
        ReadOnlySpan<byte> text = bytes;
        if (text.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            text = text[3..];
        }
        else if (text.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || text.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            // A byte order mark of UTF-16 or UTF-32 (an editor's "Unicode"): decoded as it says, as before.
            using var reader = new StreamReader(new MemoryStream(bytes), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            return reader.ReadToEnd();
        }

        var chars = ArrayPool<char>.Shared.Rent(text.Length);
        try
        {
            var status = Utf8.ToUtf16(text, chars, out var read, out var written, replaceInvalidSequences: false);
            if (status != OperationStatus.Done)
            {
                // The value around the byte is not repeated: it may be a secret written where a reference belongs.
                var line = text[..read].Count((byte)'\n') + 1;
                problem = $"is not UTF-8 text: line {line} holds a byte sequence that is not UTF-8; save the file as UTF-8";
                return null;
            }

            return new string(chars, 0, written);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    private static string NotRegular(string path, TextFileRole role) =>
        $"'{path}' is not a regular file (a FIFO, a device or a socket): give the path of the {role.Noun} itself";

    /// <summary>The file's bytes, at most <paramref name="limit"/> plus one: one more than the limit says it is too large.</summary>
    private static byte[] ReadAtMost(Microsoft.Win32.SafeHandles.SafeFileHandle handle, int limit)
    {
        // The length the file system reports is a hint only (a file in /proc reports 0, one may grow while read).
        var buffer = new byte[(int)Math.Clamp(RandomAccess.GetLength(handle) + 1, 4096, limit + 1L)];
        var length = 0;
        int read;
        while ((read = RandomAccess.Read(handle, buffer.AsSpan(length), length)) > 0)
        {
            length += read;
            if (length == buffer.Length)
            {
                if (length > limit)
                {
                    break;
                }

                Array.Resize(ref buffer, (int)Math.Min(buffer.Length * 2L, limit + 1L));
            }
        }

        return length == buffer.Length ? buffer : buffer[..length];
    }
}
