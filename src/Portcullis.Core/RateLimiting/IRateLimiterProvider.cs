using System.Threading.RateLimiting;
using Portcullis.Core.Configuration;

namespace Portcullis.Core.RateLimiting;

/// <summary>Makes the per-principal limiter of one configured budget: in the process for one replica, in the store for several.</summary>
public interface IRateLimiterProvider
{
    /// <summary>
    /// A fixed-window limiter partitioned by principal. <paramref name="name"/> names the budget (a connector, or a
    /// connector and tool) and is the same on every replica, so replicas count against one shared counter.
    /// </summary>
    PartitionedRateLimiter<string> Create(string name, RateLimitConfig limit);
}
