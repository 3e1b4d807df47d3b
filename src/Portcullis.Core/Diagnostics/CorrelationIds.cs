using System.Buffers.Binary;

namespace Portcullis.Core.Diagnostics;

/// <summary>Correlation ids: unique, sortable by time, short enough to read out.</summary>
/// <remarks>
/// A UUIDv7 (RFC 9562: 48 bits of Unix milliseconds, 74 random bits) in 32 lower-case hex digits. The random bits come
/// from the thread's own generator rather than the operating system's: <c>Guid.CreateVersion7</c> reads
/// <c>/dev/urandom</c> with a system call for every id, and every call of every client gets one. An id names a call;
/// it is no secret and grants nothing.
/// </remarks>
public static class CorrelationIds
{
    public static string Next()
    {
        Span<byte> id = stackalloc byte[16];
        Random.Shared.NextBytes(id[6..]);
        Span<byte> milliseconds = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(milliseconds, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        milliseconds[2..].CopyTo(id);
        id[6] = (byte)(0x70 | (id[6] & 0x0F));
        id[8] = (byte)(0x80 | (id[8] & 0x3F));
        return Convert.ToHexStringLower(id);
    }
}
