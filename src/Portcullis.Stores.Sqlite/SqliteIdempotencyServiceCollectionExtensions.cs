using Microsoft.Extensions.DependencyInjection;
using Portcullis.Core.Idempotency;

namespace Portcullis.Stores.Sqlite;

/// <summary>Registers the embedded SQLite idempotency store.</summary>
public static class SqliteIdempotencyServiceCollectionExtensions
{
    /// <summary>The store file is <c>{dataDir}/idempotency.db</c>.</summary>
    public static IServiceCollection AddSqliteIdempotencyStore(this IServiceCollection services, string dataDir)
    {
        services.AddSingleton<IIdempotencyStore>(_ => new SqliteIdempotencyStore(Path.Combine(dataDir, "idempotency.db"), TimeSpan.FromSeconds(30)));
        return services;
    }
}
