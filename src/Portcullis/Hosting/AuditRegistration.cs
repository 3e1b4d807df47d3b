using Portcullis.Core.Audit;
using Portcullis.Core.Audit.Jsonl;
using Portcullis.Core.Configuration;
using Portcullis.Stores.Postgres;
using Portcullis.Stores.Sqlite;

namespace Portcullis.Hosting;

/// <summary>Chooses the audit sink named by <c>audit.sink</c>, paces HTTP-level refusals into it, and runs the audit trail's writer.</summary>
internal static class AuditRegistration
{
    public static IServiceCollection AddAudit(this IServiceCollection services, GatewayConfig config)
    {
        switch (config.Audit.Sink)
        {
            case "store" when config.State.Store == "postgres":
                // Every replica's events in the one shared database (the validator refuses store with redis).
                services.AddPostgresAuditStore();
                break;
            case "store":
                services.AddSqliteAuditStore(AuditPaths.Store(config));
                break;
            case "jsonl":
                var path = AuditPaths.Jsonl(config);
                services.AddSingleton(sp => new JsonlAuditSink(path, sp.GetRequiredService<ILogger<JsonlAuditSink>>()));
                services.AddSingleton<IAuditSink>(sp => sp.GetRequiredService<JsonlAuditSink>());
                services.AddSingleton<IAuditReader>(new JsonlAuditReader(path));
                break;
        }

        services.AddSingleton<RefusalPace>();
        services.AddHostedService<AuditWriterService>();
        return services;
    }
}
