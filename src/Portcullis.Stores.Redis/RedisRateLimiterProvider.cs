using System.Threading.RateLimiting;
using Portcullis.Core.Configuration;
using Portcullis.Core.RateLimiting;
using StackExchange.Redis;

namespace Portcullis.Stores.Redis;

/// <summary>Budgets counted in Redis: one counter per budget and principal, shared by every replica.</summary>
/// <remarks>
/// RedisRateLimiting was the first choice; its 1.2.1 fixed window stamps windows with each replica's own clock and
/// gives refused leases no Retry-After, so the window here is Redis's own key expiry instead.
/// </remarks>
internal sealed class RedisRateLimiterProvider(IConnectionMultiplexer redis, RedisKeys keys) : IRateLimiterProvider
{
    public PartitionedRateLimiter<string> Create(string name, RateLimitConfig limit) =>
        new RedisFixedWindowLimiter(redis, keys, name, limit.Permits, TimeSpan.FromSeconds(limit.WindowSeconds));
}
