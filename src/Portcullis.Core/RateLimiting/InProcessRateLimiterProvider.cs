using System.Threading.RateLimiting;
using Portcullis.Core.Configuration;

namespace Portcullis.Core.RateLimiting;

/// <summary>Budgets counted in this process: exact for one replica; windows of idle principals are forgotten once they end.</summary>
public sealed class InProcessRateLimiterProvider(TimeProvider time) : IRateLimiterProvider
{
    public PartitionedRateLimiter<string> Create(string name, RateLimitConfig limit) =>
        new InProcessFixedWindowLimiter(time, limit.Permits, TimeSpan.FromSeconds(limit.WindowSeconds));
}
