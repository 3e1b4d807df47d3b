using System.Threading.RateLimiting;
using Portcullis.Core.RateLimiting;
using StackExchange.Redis;

namespace Portcullis.Stores.Redis;

/// <summary>
/// A fixed window per principal in one Redis key: the first call of a window creates the counter with the window as
/// its expiry (Redis's clock), every call adds to it atomically, and a call is let through while the count is within
/// the limit. A refused call learns the time left in the window.
/// </summary>
internal sealed class RedisFixedWindowLimiter(IConnectionMultiplexer redis, RedisKeys keys, string name, int permits, TimeSpan window) : PartitionedRateLimiter<string>
{
    /// <summary>KEYS[1] counter. ARGV: permits asked, window ms. Returns {count, ms left}.</summary>
    private const string Script = """
        local count = redis.call('INCRBY', KEYS[1], ARGV[1])
        local left = redis.call('PTTL', KEYS[1])
        if left < 0 then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
          left = tonumber(ARGV[2])
        end
        return {count, left}
        """;

    public override RateLimiterStatistics? GetStatistics(string resource) => null;

    protected override RateLimitLease AttemptAcquireCore(string resource, int permitCount) =>
        AcquireAsyncCore(resource, permitCount, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(string resource, int permitCount, CancellationToken cancellationToken)
    {
        if (permitCount == 0)
        {
            return FixedWindowLease.Granted;
        }

        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(Script, [keys.RateLimit(name, resource)],
            [permitCount, (long)window.TotalMilliseconds]).ConfigureAwait(false))!;
        var count = (long)result[0];
        return count <= permits ? FixedWindowLease.Granted : FixedWindowLease.Refused(TimeSpan.FromMilliseconds((long)result[1]));
    }
}
