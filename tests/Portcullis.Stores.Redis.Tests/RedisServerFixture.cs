using Portcullis.Testing.Servers;

namespace Portcullis.Stores.Redis.Tests;

/// <summary>One real redis-server for the test assembly; each test works under its own key prefix.</summary>
internal static class RedisServerFixture
{
    private static readonly Lazy<Task<RedisServer>> Server = new(() => RedisServer.StartAsync());

    public static Task<RedisServer> GetAsync() => Server.Value;
}
