using Microsoft.Extensions.DependencyInjection;
using Portcullis.Core.Audit;

namespace Portcullis.Stores.Sqlite;

/// <summary>Registers the SQLite audit store as the audit trail's sink and reader.</summary>
public static class SqliteAuditServiceCollectionExtensions
{
    /// <summary>The database is <paramref name="path"/> (default <c>{dataDir}/audit.db</c>).</summary>
    public static IServiceCollection AddSqliteAuditStore(this IServiceCollection services, string path)
    {
        services.AddSingleton(_ => new SqliteAuditStore(path));
        services.AddSingleton<IAuditSink>(sp => sp.GetRequiredService<SqliteAuditStore>());
        services.AddSingleton<IAuditReader>(sp => sp.GetRequiredService<SqliteAuditStore>());
        return services;
    }

    /// <summary>A reader of an existing audit database, for the <c>audit</c> verb (nothing is created or written).</summary>
    public static IAuditReader OpenReader(string path) => SqliteAuditStore.ReadOnly(path);
}
