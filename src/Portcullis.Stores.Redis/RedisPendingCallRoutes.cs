using System.Text.Json;
using Portcullis.Core.Relay;
using StackExchange.Redis;

namespace Portcullis.Stores.Redis;

/// <summary>Which replica holds each pending multi round-trip call, one key each, expiring with the call.</summary>
internal sealed class RedisPendingCallRoutes(IConnectionMultiplexer redis, RedisKeys keys) : IPendingCallRoutes
{
    public async ValueTask PutAsync(string requestState, PendingCallRoute route, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ttl = route.ExpiresAt - now;
        if (ttl > TimeSpan.Zero)
        {
            await redis.GetDatabase().StringSetAsync(keys.Route(requestState), JsonSerializer.Serialize(route, RedisJson.Default.PendingCallRoute), ttl)
                .ConfigureAwait(false);
        }
    }

    public async ValueTask<PendingCallRoute?> GetAsync(string requestState, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var value = await redis.GetDatabase().StringGetAsync(keys.Route(requestState)).ConfigureAwait(false);
        var route = value.IsNullOrEmpty ? null : JsonSerializer.Deserialize((string)value!, RedisJson.Default.PendingCallRoute);
        return route is not null && route.ExpiresAt > now ? route : null;
    }

    /// <summary>Redis expires the keys itself.</summary>
    public ValueTask<int> PurgeAsync(DateTimeOffset expiredBefore, CancellationToken cancellationToken) => ValueTask.FromResult(0);
}
