using Portcullis.Core.Audit;
using Portcullis.Core.Audit.Jsonl;
using Portcullis.Core.Configuration;
using Portcullis.Stores.Sqlite;

namespace Portcullis.Hosting;

/// <summary>Chooses the audit sink named by <c>audit.sink</c> and runs the audit trail's writer.</summary>
internal static class AuditRegistration
{
    public static IServiceCollection AddAudit(this IServiceCollection services, GatewayConfig config)
    {
        switch (config.Audit.Sink)
        {
            case "store":
                // The state store's kind decides where: SQLite in the data dir today (PostgreSQL comes with its store).
                services.AddSqliteAuditStore(AuditPaths.Store(config));
                break;
            case "jsonl":
                var path = AuditPaths.Jsonl(config);
                services.AddSingleton(sp => new JsonlAuditSink(path, sp.GetRequiredService<ILogger<JsonlAuditSink>>()));
                services.AddSingleton<IAuditSink>(sp => sp.GetRequiredService<JsonlAuditSink>());
                services.AddSingleton<IAuditReader>(new JsonlAuditReader(path));
                break;
        }

        services.AddHostedService<AuditWriterService>();
        return services;
    }
}
