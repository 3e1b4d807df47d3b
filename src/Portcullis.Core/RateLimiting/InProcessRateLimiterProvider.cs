using System.Threading.RateLimiting;
using Portcullis.Core.Configuration;

namespace Portcullis.Core.RateLimiting;

/// <summary>Budgets counted in this process: exact for one replica; partitions of idle principals are dropped by the limiter.</summary>
public sealed class InProcessRateLimiterProvider : IRateLimiterProvider
{
    public PartitionedRateLimiter<string> Create(string name, RateLimitConfig limit) =>
        PartitionedRateLimiter.Create<string, string>(principal => RateLimitPartition.GetFixedWindowLimiter(
            principal,
            _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = limit.Permits,
                Window = TimeSpan.FromSeconds(limit.WindowSeconds),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
}
