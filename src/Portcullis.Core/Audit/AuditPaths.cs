using Portcullis.Core.Configuration;

namespace Portcullis.Core.Audit;

/// <summary>Where each sink keeps its events, so the gateway and the <c>audit</c> verb agree.</summary>
public static class AuditPaths
{
    public static string Store(GatewayConfig config) => config.Audit.Path ?? Path.Combine(config.DataDir!, "audit.db");

    public static string Jsonl(GatewayConfig config) => config.Audit.Path ?? Path.Combine(config.DataDir!, "audit.jsonl");
}
