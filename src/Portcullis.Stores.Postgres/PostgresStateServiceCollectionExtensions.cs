using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Portcullis.Core.Idempotency;
using Portcullis.Core.RateLimiting;
using Portcullis.Core.Relay;
using Portcullis.Core.Sessions;
using Portcullis.Core.State;

namespace Portcullis.Stores.Postgres;

/// <summary>Registers every kind of shared state on one PostgreSQL database.</summary>
public static class PostgresStateServiceCollectionExtensions
{
    /// <summary>Tables are created in the connection's first <c>search_path</c> schema (set <c>Search Path</c> in the connection string to choose one).</summary>
    public static IServiceCollection AddPostgresState(this IServiceCollection services, string connectionString)
    {
        services.AddSingleton(_ => PostgresDataSource.Create(connectionString));
        services.AddSingleton<PostgresIdempotencyStore>();
        services.AddSingleton<IIdempotencyStore>(sp => sp.GetRequiredService<PostgresIdempotencyStore>());
        services.AddSingleton<ISessionStore, PostgresSessionStore>();
        services.AddSingleton<IPendingCallRoutes, PostgresPendingCallRoutes>();
        services.AddSingleton<IRateLimiterProvider, PostgresRateLimiterProvider>();
        services.AddSingleton<IStateStore, PostgresStateStore>();
        services.AddSingleton<IReplicaRegistry, PostgresReplicaRegistry>();
        return services;
    }

    /// <summary>
    /// The audit trail's <c>store</c> sink and reader on the same database (the table is created with the state
    /// schema). Call after <see cref="AddPostgresState"/>.
    /// </summary>
    public static IServiceCollection AddPostgresAuditStore(this IServiceCollection services)
    {
        services.AddSingleton<PostgresAuditStore>();
        services.AddSingleton<Core.Audit.IAuditSink>(sp => sp.GetRequiredService<PostgresAuditStore>());
        services.AddSingleton<Core.Audit.IAuditReader>(sp => sp.GetRequiredService<PostgresAuditStore>());
        return services;
    }

    /// <summary>A reader of the audit trail in the database, for the <c>audit</c> verb (nothing is created or written).</summary>
    public static Core.Audit.IAuditReader OpenAuditReader(string connectionString) =>
        new PostgresAuditStore(PostgresDataSource.Create(connectionString));
}
