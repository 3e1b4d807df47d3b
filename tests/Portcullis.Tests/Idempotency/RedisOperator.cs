using System.Net.Sockets;
using Portcullis.Testing.Servers;
using Portcullis.Tests.Infrastructure;
using StackExchange.Redis;

namespace Portcullis.Tests.Idempotency;

/// <summary>An operator's own connection to a test Redis (as <c>redis-cli</c> would be), to damage a record as a hand or another program could.</summary>
internal static class RedisOperator
{
    public static async Task<ConnectionMultiplexer> ConnectAsync(RedisServer redis)
    {
        var options = ConfigurationOptions.Parse(redis.ConnectionString.Replace("unix:" + redis.SocketPath + ",", "", StringComparison.Ordinal));
        options.EndPoints.Add(new UnixDomainSocketEndPoint(redis.SocketPath));
        return await ConnectionMultiplexer.ConnectAsync(options).Within();
    }

    /// <summary>The Redis key of the idempotency record under the idempotency key <paramref name="key"/> (the agent's).</summary>
    public static string RecordKey(ConnectionMultiplexer connection, string key)
    {
        var db = connection.GetDatabase();
        return connection.GetServers().Single().Keys(pattern: "*:idem:*").Select(k => (string)k!)
            .Single(k => (string?)db.HashGet(k, "key") == key);
    }
}
