using System.Net;
using System.Net.Sockets;

namespace Portcullis.Core.Audit;

/// <summary>
/// The network a client's address stands for when its refusals are paced: an IPv4 address as itself; an IPv6 address
/// that carries an IPv4 one (mapped <c>::ffff:a.b.c.d</c>, translated <c>::ffff:0:a.b.c.d</c>, compatible
/// <c>::a.b.c.d</c>, NAT64's well-known prefix <c>64:ff9b::/96</c>, Teredo's client behind <c>2001::/32</c>) as that IPv4
/// address, so that the clients behind a translator are paced apart and not as one /64; a 6to4 address
/// (<c>2002::/16</c>) by the /48 of its site, the IPv4 address it is built from; any other IPv6 address by its /64, the
/// least a host or a site is given.
/// </summary>
internal static class ClientNetwork
{
    public static string Of(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        if (EmbeddedIPv4(bytes) is { } ipv4)
        {
            return ipv4.ToString();
        }

        var prefix = IsSixToFour(bytes) ? 6 : 8;
        bytes[prefix..].Clear();
        return new IPAddress(bytes) + (prefix == 6 ? "/48" : "/64");
    }

    private static IPAddress? EmbeddedIPv4(ReadOnlySpan<byte> bytes)
    {
        var last = bytes[12..];
        if (IsZero(bytes[..10]) && bytes[10] == 0xff && bytes[11] == 0xff)
        {
            return new IPAddress(last); // mapped
        }

        if (IsZero(bytes[..8]) && bytes[8] == 0xff && bytes[9] == 0xff && bytes[10] == 0 && bytes[11] == 0)
        {
            return new IPAddress(last); // translated (RFC 2765)
        }

        if (IsZero(bytes[..12]) && last[0] != 0)
        {
            return new IPAddress(last); // compatible (RFC 4291, deprecated); :: and ::1 are not
        }

        if (bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xff && bytes[3] == 0x9b && IsZero(bytes[4..12]))
        {
            return new IPAddress(last); // NAT64, well-known prefix (RFC 6052)
        }

        if (bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0 && bytes[3] == 0)
        {
            // Teredo (RFC 4380): the client's public address, every bit inverted.
            Span<byte> client = stackalloc byte[4];
            for (var i = 0; i < 4; i++)
            {
                client[i] = (byte)~last[i];
            }

            return new IPAddress(client);
        }

        return null;
    }

    private static bool IsSixToFour(ReadOnlySpan<byte> bytes) => bytes[0] == 0x20 && bytes[1] == 0x02;

    private static bool IsZero(ReadOnlySpan<byte> bytes) => !bytes.ContainsAnyExcept((byte)0);
}
