using System.Net;
using Portcullis.Core.Audit;

namespace Portcullis.Core.Tests.Audit;

public sealed class ClientNetworkTests
{
    [Theory]
    [InlineData("192.0.2.1", "192.0.2.1")]
    [InlineData("2001:db8:1:2:ffff:ffff:ffff:fffe", "2001:db8:1:2::/64")]
    [InlineData("fe80::1%3", "fe80::/64")]
    [InlineData("::1", "::/64")]
    [InlineData("::", "::/64")]
    [InlineData("::ffff:192.0.2.1", "192.0.2.1")] // mapped
    [InlineData("::ffff:0:192.0.2.1", "192.0.2.1")] // translated
    [InlineData("::192.0.2.1", "192.0.2.1")] // compatible
    [InlineData("64:ff9b::192.0.2.1", "192.0.2.1")] // NAT64
    [InlineData("64:ff9b::198.51.100.7", "198.51.100.7")]
    [InlineData("64:ff9b:1::c000:201", "64:ff9b:1::/64")] // the local-use NAT64 prefix has no fixed place for the IPv4 address
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2", "192.0.2.45")] // Teredo: the client's address inverted
    [InlineData("2002:c000:0201:7:1::1", "2002:c000:201::/48")] // 6to4: the site of 192.0.2.1
    [InlineData("2002:c000:0201:ffff::2", "2002:c000:201::/48")]
    public void Of_NamesTheNetworkAClientStandsFor(string address, string network)
    {
        Assert.Equal(network, ClientNetwork.Of(IPAddress.Parse(address)));
    }

    [Fact]
    public void Of_ClientsBehindNat64_ArePacedApart_NotAsOneNetwork()
    {
        var behind = Enumerable.Range(1, 50).Select(i => ClientNetwork.Of(IPAddress.Parse($"64:ff9b::198.51.100.{i}"))).ToHashSet();

        Assert.Equal(50, behind.Count);
    }
}
