using Microsoft.Extensions.DependencyInjection;
using Portcullis.Core.Idempotency;
using Portcullis.Core.RateLimiting;
using Portcullis.Core.Sessions;
using Portcullis.Core.State;

namespace Portcullis.Stores.Sqlite;

/// <summary>Registers the embedded store of one replica: SQLite files in the data dir, rate limits in the process.</summary>
public static class SqliteStateServiceCollectionExtensions
{
    /// <summary>Idempotency records in <c>{dataDir}/idempotency.db</c>, session handshakes in <c>{dataDir}/sessions.db</c>.</summary>
    public static IServiceCollection AddSqliteState(this IServiceCollection services, string dataDir)
    {
        services.AddSingleton(_ => new SqliteIdempotencyStore(Path.Combine(dataDir, "idempotency.db"), TimeSpan.FromSeconds(30)));
        services.AddSingleton<IIdempotencyStore>(sp => sp.GetRequiredService<SqliteIdempotencyStore>());
        services.AddSingleton<ISessionStore>(_ => new SqliteSessionStore(Path.Combine(dataDir, "sessions.db")));
        services.AddSingleton<IRateLimiterProvider, InProcessRateLimiterProvider>();
        services.AddSingleton<IStateStore>(sp => new SqliteStateStore(TimeProvider.System, sp.GetRequiredService<SqliteIdempotencyStore>()));
        return services;
    }
}
