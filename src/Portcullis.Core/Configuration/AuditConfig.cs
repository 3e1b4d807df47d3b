namespace Portcullis.Core.Configuration;

/// <summary>The audit trail: where decisions are kept, for how long, and what of the arguments.</summary>
public sealed class AuditConfig
{
    public const int DefaultRetentionDays = 90;

    /// <summary><c>store</c> (default: the state store, SQLite in the data dir), <c>jsonl</c> (one JSON object a line) or <c>none</c>.</summary>
    public string Sink { get; set; } = "store";

    /// <summary>The file: the jsonl file (default <c>{data_dir}/audit.jsonl</c>) or the SQLite database (default <c>{data_dir}/audit.db</c>).</summary>
    public string? Path { get; set; }

    /// <summary>Days an event is kept by the store sink; jsonl files are rotated by the log shipper's tools.</summary>
    public int? RetentionDays { get; set; }

    /// <summary>Record the arguments' values, with <see cref="Redact"/> fields replaced. Off by default.</summary>
    public bool IncludeArguments { get; set; }

    /// <summary>Property names (any depth, case-insensitive) whose values are replaced when arguments are recorded.</summary>
    public List<string> Redact { get; set; } = [];

    /// <summary>Refuse calls (<c>audit_unavailable</c>) while the sink cannot keep events, instead of serving unaudited.</summary>
    public bool Required { get; set; }

    /// <summary>Events waiting for the writer; past this they are dropped (counted and logged) or, when required, calls refused.</summary>
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>
    /// HTTP-level refusals (tokens refused or missing, unknown connectors, a foreign Host or Origin…) logged and recorded
    /// one by one per source, connector and reason in a minute; the rest of that minute's are summed up in one event.
    /// </summary>
    public int RefusalsPerMinute { get; set; } = ConfigDefaults.RefusalsPerMinute;

    public bool Enabled => !string.Equals(Sink, "none", StringComparison.Ordinal);

    /// <summary>The retention that applies: the configured one, else the default for the store sink, none for jsonl.</summary>
    public int? EffectiveRetentionDays => RetentionDays ?? (string.Equals(Sink, "store", StringComparison.Ordinal) ? DefaultRetentionDays : null);
}
