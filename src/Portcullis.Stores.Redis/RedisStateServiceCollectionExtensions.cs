using Microsoft.Extensions.DependencyInjection;
using Portcullis.Core.Idempotency;
using Portcullis.Core.RateLimiting;
using Portcullis.Core.Relay;
using Portcullis.Core.Sessions;
using Portcullis.Core.State;
using StackExchange.Redis;

namespace Portcullis.Stores.Redis;

/// <summary>Registers every kind of shared state on one Redis deployment (a server, Sentinel, or a Cluster).</summary>
public static class RedisStateServiceCollectionExtensions
{
    /// <summary>Keys are written under <paramref name="keyPrefix"/>; the connection is opened when first needed.</summary>
    public static IServiceCollection AddRedisState(this IServiceCollection services, string connectionString, string keyPrefix = "portcullis")
    {
        services.AddSingleton<IConnectionMultiplexer>(_ => Connect(connectionString));
        services.AddSingleton(new RedisKeys(keyPrefix));
        services.AddSingleton<RedisIdempotencyStore>();
        services.AddSingleton<IIdempotencyStore>(sp => sp.GetRequiredService<RedisIdempotencyStore>());
        services.AddSingleton<ISessionStore, RedisSessionStore>();
        services.AddSingleton<IPendingCallRoutes, RedisPendingCallRoutes>();
        services.AddSingleton<IRateLimiterProvider, RedisRateLimiterProvider>();
        services.AddSingleton<IStateStore, RedisStateStore>();
        services.AddSingleton<IReplicaRegistry, RedisReplicaRegistry>();
        return services;
    }

    /// <summary>
    /// Connects without failing when Redis is not there yet: the multiplexer keeps reconnecting, calls fail fast
    /// meanwhile (answered as retryable), and the gateway's start waits for the first successful round trip.
    /// </summary>
    internal static ConnectionMultiplexer Connect(string connectionString)
    {
        var options = RedisConnectionString.Parse(connectionString);
        options.AbortOnConnectFail = false;
        return ConnectionMultiplexer.Connect(options);
    }
}
