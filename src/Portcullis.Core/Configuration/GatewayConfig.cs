namespace Portcullis.Core.Configuration;

/// <summary>The whole gateway configuration, as read from the JSON file.</summary>
public sealed class GatewayConfig
{
    /// <summary>The environment this gateway serves (for example <c>prod</c>); tokens must carry it.</summary>
    public string Environment { get; set; } = "";

    /// <summary>The URL Kestrel listens on.</summary>
    public string Listen { get; set; } = ConfigDefaults.Listen;

    /// <summary>The folder for every file the gateway and its samples write.</summary>
    public string? DataDir { get; set; }

    /// <summary>Public base URL when the gateway sits behind a proxy; defaults to <see cref="Listen"/>.</summary>
    public string? PublicUrl { get; set; }

    /// <summary>Host header values the gateway answers (DNS-rebinding protection); null means the loopback default.</summary>
    public List<string>? AllowedHosts { get; set; }

    /// <summary>Origin header values accepted from browsers; null means the loopback default.</summary>
    public List<string>? AllowedOrigins { get; set; }

    public IdentityConfig Identity { get; set; } = new();

    public IdempotencyConfig Idempotency { get; set; } = new();

    /// <summary>The store of shared state: idempotency records, rate-limit counters, session handshakes.</summary>
    public StateConfig State { get; set; } = new();

    /// <summary>How this replica is reached by the others (needed with a networked state store).</summary>
    public ReplicaConfig Replica { get; set; } = new();

    public LimitsConfig Limits { get; set; } = new();

    public AuditConfig Audit { get; set; } = new();

    public AdminConfig Admin { get; set; } = new();

    public TelemetryConfig Telemetry { get; set; } = new();

    public LoggingConfig Logging { get; set; } = new();

    public ReviewConfig Review { get; set; } = new();

    public ShutdownConfig Shutdown { get; set; } = new();

    /// <summary>Where the lock file of pinned tool definitions lives (see docs/pins.md).</summary>
    public PinsConfig Pins { get; set; } = new();

    public List<ConnectorConfig> Connectors { get; set; } = [];

    /// <summary>SHA-256 (hex) of the configuration text as read, for the audit trail's record of what was loaded.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string SourceSha256 { get; set; } = "";

    /// <summary>Where the configuration was read from.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Source { get; set; } = "";

    /// <summary>The folder of the config file; relative paths resolve against it.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string BaseDirectory { get; set; } = "";
}
