using Portcullis.Core.Security;
namespace Portcullis.Core.Configuration;

/// <summary>Checks the audit, admin, telemetry and logging sections beyond what the schema can.</summary>
internal static class ObservabilityValidator
{
    private static readonly string[] Levels = ["trace", "debug", "information", "warning", "error", "critical", "none"];

    public static IEnumerable<ConfigError> Validate(GatewayConfig config)
    {
        var audit = config.Audit;
        if (audit.Sink is not ("store" or "jsonl" or "none"))
        {
            yield return new ConfigError("$.audit.sink", "is not a sink: use store, jsonl or none");
        }

        if (string.Equals(audit.Sink, "jsonl", StringComparison.Ordinal) && audit.RetentionDays is not null)
        {
            yield return new ConfigError("$.audit.retention_days", "applies to the store sink; rotate and expire jsonl files with your log rotation (the gateway reopens a rotated file)");
        }

        if (string.Equals(audit.Sink, "store", StringComparison.Ordinal) && string.Equals(config.State.Store, "redis", StringComparison.Ordinal))
        {
            // The store sink is the state store's database: SQLite in one replica's data dir, or the shared PostgreSQL.
            yield return new ConfigError("$.audit.sink",
                "the redis state store keeps no audit trail, and the store sink (its default) would scatter it over the replicas' data dirs: set audit.sink to jsonl (one file per replica, shipped by your log pipeline), use the postgres state store for one queryable trail, or none");
        }

        if (audit.Required && !audit.Enabled)
        {
            yield return new ConfigError("$.audit.required", "an audit trail cannot be required while audit.sink is none");
        }

        foreach (var error in ValidateAdmin(config))
        {
            yield return error;
        }

        var telemetry = config.Telemetry;
        if (telemetry.OtlpEndpoint is { } endpoint && !(Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            yield return new ConfigError("$.telemetry.otlp_endpoint", "is not an http(s) URL");
        }
        else if (telemetry.SecretHeadersInClear && !telemetry.OtlpAllowPlainHttp)
        {
            yield return new ConfigError("$.telemetry.otlp_endpoint", $"{ListenAddress.SecureRule}: the collector is sent credentials (otlp_headers given as secret "
                + "references); where the network encrypts on its own (a service mesh's mutual TLS), say so with otlp_allow_plain_http: true");
        }

        foreach (var (name, value) in telemetry.OtlpHeaders)
        {
            if (SecretReference.LooksLikeReference(value) && !SecretReference.TryParse(value, out _))
            {
                yield return new ConfigError(ConfigPaths.Property("$.telemetry.otlp_headers", name), "not a valid secret reference (env:NAME or file:PATH)");
            }
            else if (!SecretReference.LooksLikeReference(value) && !StartSecrets.OtlpHeaderValue(value))
            {
                yield return new ConfigError(ConfigPaths.Property("$.telemetry.otlp_headers", name), StartSecrets.OtlpHeaderRule);
            }
        }

        if (config.Logging.Format is not ("text" or "json"))
        {
            yield return new ConfigError("$.logging.format", "is not a log format: use text or json");
        }

        foreach (var (category, level) in config.Logging.Levels)
        {
            if (!Levels.Contains(level.ToLowerInvariant()))
            {
                yield return new ConfigError(ConfigPaths.Property("$.logging.levels", category), $"is not a level: use one of {string.Join(", ", Levels)}");
            }
        }
    }

    private static IEnumerable<ConfigError> ValidateAdmin(GatewayConfig config)
    {
        var admin = config.Admin;
        if (admin.Listen is not { } listen)
        {
            if (admin.PublicUrl is not null)
            {
                yield return new ConfigError("$.admin.public_url", "needs admin.listen");
            }

            yield break;
        }

        if (ListenAddress.Problem(listen) is { } problem || !Uri.TryCreate(listen, UriKind.Absolute, out var adminUri))
        {
            yield return new ConfigError("$.admin.listen", ListenAddress.Problem(listen) ?? "is not a URL");
            yield break;
        }

        if (Uri.TryCreate(config.Listen, UriKind.Absolute, out var mcpUri) && mcpUri.Port == adminUri.Port && adminUri.Port != 0
            && (string.Equals(mcpUri.Host, adminUri.Host, StringComparison.OrdinalIgnoreCase) || ListenAddress.IsAnyHost(mcpUri.Host) || ListenAddress.IsAnyHost(adminUri.Host)))
        {
            yield return new ConfigError("$.admin.listen", "must differ from listen: the admin plane never shares the MCP listener");
        }

        if (config.Identity.Dev && !(ListenAddress.IsLoopback(listen) && (admin.PublicUrl is null || ListenAddress.IsLoopback(admin.PublicUrl))))
        {
            yield return new ConfigError("$.admin.listen", "with the development identity the admin plane must listen on loopback");
        }

        // Admin tokens are told from a connector's by their audience alone: one that is also a connector's resource URI
        // would let that connector's tokens, given the review scope, decide reviews and settle keys.
        var audience = AdminUris.Audience(config);
        foreach (var connector in config.Connectors)
        {
            if (string.Equals(ResourceUris.For(config, connector.Server), audience, StringComparison.OrdinalIgnoreCase))
            {
                yield return new ConfigError(admin.PublicUrl is null ? "$.admin.listen" : "$.admin.public_url",
                    $"makes {audience} the audience of admin tokens, which is the resource URI of connector '{connector.Server}': that connector's tokens would open the admin plane; give the admin plane a URL of its own");
            }
        }
    }
}
