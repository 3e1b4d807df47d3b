using System.Threading.RateLimiting;
using Npgsql;
using Portcullis.Core.Configuration;
using Portcullis.Core.RateLimiting;

namespace Portcullis.Stores.Postgres;

/// <summary>Budgets counted in PostgreSQL: one counter row per budget and principal, shared by every replica.</summary>
internal sealed class PostgresRateLimiterProvider(NpgsqlDataSource dataSource) : IRateLimiterProvider
{
    public PartitionedRateLimiter<string> Create(string name, RateLimitConfig limit) =>
        new PostgresFixedWindowLimiter(dataSource, name, limit.Permits, TimeSpan.FromSeconds(limit.WindowSeconds));
}
