namespace Portcullis.Core.Configuration;

/// <summary>
/// The default of every configuration key, in one place: the config classes, the validator, the pipeline and the
/// published schema (<c>portcullis.schema.json</c>, checked by a test) all take their defaults from here.
/// </summary>
public static class ConfigDefaults
{
    /// <summary><c>listen</c>.</summary>
    public const string Listen = "http://127.0.0.1:8080";

    /// <summary><c>data_dir</c>, beside the config file.</summary>
    public const string DataDir = ".data";

    /// <summary><c>connectors[].auth.mode</c>.</summary>
    public const string AuthMode = "oauth";

    /// <summary><c>connectors[].auth.token_ttl_seconds</c>.</summary>
    public const int TokenTtlSeconds = 3600;

    /// <summary><c>identity.environment_claim</c>.</summary>
    public const string EnvironmentClaim = "env";

    /// <summary><c>identity.subject_claim</c>.</summary>
    public const string SubjectClaim = "sub";

    /// <summary><c>identity.clock_skew_seconds</c>.</summary>
    public const int ClockSkewSeconds = 30;

    /// <summary><c>state.store</c>.</summary>
    public const string StateStore = "sqlite";

    /// <summary><c>idempotency.retention_hours</c>.</summary>
    public const int RetentionHours = 24;

    /// <summary><c>idempotency.lease_seconds</c>.</summary>
    public const int LeaseSeconds = 300;

    /// <summary><c>limits.max_body_bytes</c>.</summary>
    public const long MaxBodyBytes = 1024 * 1024;

    /// <summary><c>limits.max_result_bytes</c>: the largest answer an upstream may give to one request.</summary>
    public const long MaxResultBytes = 8 * 1024 * 1024;

    /// <summary><c>audit.refusals_per_minute</c>: HTTP-level refusals recorded one by one per source, connector and reason each minute.</summary>
    public const int RefusalsPerMinute = 10;

    /// <summary><c>limits.max_sessions_per_principal</c>: sessions one principal may hold on one replica.</summary>
    public const int MaxSessionsPerPrincipal = 100;

    /// <summary><c>limits.max_depth</c>.</summary>
    public const int MaxDepth = 64;

    /// <summary><c>limits.max_string_length</c>.</summary>
    public const int MaxStringLength = 256 * 1024;

    /// <summary>
    /// <c>limits.max_values</c>: values (array items and object members, at any depth) in a call's arguments. Checking a
    /// value against a schema costs microseconds, more under a recursive one (see <see cref="SchemaBudgetMs"/>).
    /// </summary>
    public const int MaxValues = 20_000;

    /// <summary><c>limits.pattern_budget_ms</c>: all regular-expression matching of one call.</summary>
    public const int PatternBudgetMs = 100;

    /// <summary>
    /// <c>limits.schema_budget_ms</c>: one schema check (a call's input, or its output), describing its violations
    /// included; subschemas still to be checked after it fail. <see cref="MaxValues"/> values took 0.2–0.4 s against a
    /// recursive tree schema of eight kinds of node; 13,000–16,000 took about 1 s against the recursive "any JSON value" schema.
    /// </summary>
    public const int SchemaBudgetMs = 2000;

    /// <summary>
    /// <c>timeout_seconds</c> of a tool, a resource pattern or a prompt, and of requests no entry covers
    /// (lists, logging levels).
    /// </summary>
    public const int CallTimeoutSeconds = 60;

    /// <summary><c>connectors[].upstream.connect_timeout_seconds</c>.</summary>
    public const int ConnectTimeoutSeconds = 30;

    /// <summary><c>connectors[].upstream.ping_interval_seconds</c>.</summary>
    public const int PingIntervalSeconds = 15;

    /// <summary><c>connectors[].upstream.protocol_version</c>.</summary>
    public const string UpstreamProtocolVersion = "2025-11-25";

    /// <summary><c>connectors[].tools.{name}.output_schema</c>.</summary>
    public const string OutputSchema = "enforce";

    /// <summary><c>shutdown.drain_seconds</c>.</summary>
    public const int DrainSeconds = 30;

    /// <summary><c>review.retry_after_seconds</c>.</summary>
    public const int ReviewRetryAfterSeconds = 30;

    /// <summary><c>review.max_pending_per_principal</c>.</summary>
    public const int MaxPendingReviewsPerPrincipal = 50;
}
