using System.Threading.RateLimiting;
using Portcullis.Core.Configuration;
using Portcullis.Core.RateLimiting;
using RedisRateLimiting;
using StackExchange.Redis;

namespace Portcullis.Stores.Redis;

/// <summary>
/// Budgets counted in Redis with RedisRateLimiting's fixed window: one counter per budget and principal, shared by
/// every replica. The window starts at a principal's first call and its end is stored with the counter.
/// </summary>
internal sealed class RedisRateLimiterProvider(IConnectionMultiplexer redis, RedisKeys keys) : IRateLimiterProvider
{
    public PartitionedRateLimiter<string> Create(string name, RateLimitConfig limit) =>
        PartitionedRateLimiter.Create<string, string>(principal => RedisRateLimitPartition.GetFixedWindowRateLimiter(
            keys.RateLimit(name, principal),
            _ => new RedisFixedWindowRateLimiterOptions
            {
                ConnectionMultiplexerFactory = () => redis,
                PermitLimit = limit.Permits,
                Window = TimeSpan.FromSeconds(limit.WindowSeconds),
            }));
}
