using System.Net.Sockets;
using Portcullis.Stores.Redis;

namespace Portcullis.Stores.Redis.Tests;

/// <summary>StackExchange.Redis's configuration string with <c>unix:/path</c> endpoints besides.</summary>
public sealed class RedisConnectionStringTests
{
    /// <summary>Before, a socket alone left the client's parser an empty string, which it refused: the start crashed.</summary>
    [Fact]
    public void Parse_ASocketAlone_IsItsOnlyEndpoint()
    {
        var options = RedisConnectionString.Parse("unix:/run/redis/redis.sock");

        var endpoint = Assert.IsType<UnixDomainSocketEndPoint>(Assert.Single(options.EndPoints));
        Assert.Equal("/run/redis/redis.sock", endpoint.ToString());
    }

    [Fact]
    public void Parse_SocketBesideOptions_KeepsBoth()
    {
        var options = RedisConnectionString.Parse("unix:/run/redis/redis.sock,abortConnect=false,password=p");

        Assert.IsType<UnixDomainSocketEndPoint>(Assert.Single(options.EndPoints));
        Assert.False(options.AbortOnConnectFail);
        Assert.Equal("p", options.Password);
    }
}
