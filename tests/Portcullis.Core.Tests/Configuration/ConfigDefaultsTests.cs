using System.Text.Json.Nodes;
using Portcullis.Core.Configuration;
using Portcullis.Core.Tests.Errors;

namespace Portcullis.Core.Tests.Configuration;

/// <summary>Each default lives in <see cref="ConfigDefaults"/>; the published schema and the config classes agree with it.</summary>
public sealed class ConfigDefaultsTests
{
    private static readonly JsonNode Schema = JsonNode.Parse(File.ReadAllText(Path.Combine(ErrorCatalogTests.RepoRoot(), "portcullis.schema.json")))!;

    public static TheoryData<string, object> Defaults => new()
    {
        { "/properties/listen", ConfigDefaults.Listen },
        { "/properties/identity/properties/environment_claim", ConfigDefaults.EnvironmentClaim },
        { "/properties/identity/properties/subject_claim", ConfigDefaults.SubjectClaim },
        { "/properties/identity/properties/clock_skew_seconds", ConfigDefaults.ClockSkewSeconds },
        { "/properties/state/properties/store", ConfigDefaults.StateStore },
        { "/properties/idempotency/properties/retention_hours", ConfigDefaults.RetentionHours },
        { "/properties/idempotency/properties/lease_seconds", ConfigDefaults.LeaseSeconds },
        { "/properties/limits/properties/max_body_bytes", ConfigDefaults.MaxBodyBytes },
        { "/properties/limits/properties/max_result_bytes", ConfigDefaults.MaxResultBytes },
        { "/properties/limits/properties/max_sessions_per_principal", ConfigDefaults.MaxSessionsPerPrincipal },
        { "/properties/limits/properties/max_depth", ConfigDefaults.MaxDepth },
        { "/properties/limits/properties/max_string_length", ConfigDefaults.MaxStringLength },
        { "/properties/limits/properties/max_values", ConfigDefaults.MaxValues },
        { "/properties/limits/properties/pattern_budget_ms", ConfigDefaults.PatternBudgetMs },
        { "/properties/limits/properties/schema_budget_ms", ConfigDefaults.SchemaBudgetMs },
        { "/properties/shutdown/properties/drain_seconds", ConfigDefaults.DrainSeconds },
        { "/properties/audit/properties/refusals_per_minute", ConfigDefaults.RefusalsPerMinute },
        { "/properties/review/properties/retry_after_seconds", ConfigDefaults.ReviewRetryAfterSeconds },
        { "/properties/review/properties/max_pending_per_principal", ConfigDefaults.MaxPendingReviewsPerPrincipal },
        { "/$defs/connector/properties/auth/properties/mode", ConfigDefaults.AuthMode },
        { "/$defs/connector/properties/auth/properties/token_ttl_seconds", ConfigDefaults.TokenTtlSeconds },
        { "/$defs/upstream/properties/connect_timeout_seconds", ConfigDefaults.ConnectTimeoutSeconds },
        { "/$defs/upstream/properties/ping_interval_seconds", ConfigDefaults.PingIntervalSeconds },
        { "/$defs/upstream/properties/protocol_version", ConfigDefaults.UpstreamProtocolVersion },
        { "/$defs/tool/properties/timeout_seconds", ConfigDefaults.CallTimeoutSeconds },
        { "/$defs/tool/properties/output_schema", ConfigDefaults.OutputSchema },
        { "/$defs/access/properties/timeout_seconds", ConfigDefaults.CallTimeoutSeconds },
    };

    [Theory]
    [MemberData(nameof(Defaults))]
    public void Schema_Default_EqualsTheConstant(string pointer, object expected)
    {
        var node = pointer.Split('/', StringSplitOptions.RemoveEmptyEntries).Aggregate<string, JsonNode?>(Schema, (n, segment) => n?[segment]);

        Assert.NotNull(node);
        Assert.Equal(Convert.ToString(expected, System.Globalization.CultureInfo.InvariantCulture), node!["default"]?.ToString());
    }

    [Fact]
    public void ConfigClasses_StartAtTheConstants()
    {
        var config = new GatewayConfig();
        var connector = new ConnectorConfig();

        Assert.Equal(ConfigDefaults.Listen, config.Listen);
        Assert.Equal(ConfigDefaults.EnvironmentClaim, config.Identity.EnvironmentClaim);
        Assert.Equal(ConfigDefaults.SubjectClaim, config.Identity.SubjectClaim);
        Assert.Equal(ConfigDefaults.ClockSkewSeconds, config.Identity.ClockSkewSeconds);
        Assert.Equal(ConfigDefaults.StateStore, config.State.Store);
        Assert.Equal(ConfigDefaults.RetentionHours, config.Idempotency.RetentionHours);
        Assert.Equal(ConfigDefaults.LeaseSeconds, config.Idempotency.LeaseSeconds);
        Assert.Equal(ConfigDefaults.MaxBodyBytes, config.Limits.MaxBodyBytes);
        Assert.Equal(ConfigDefaults.MaxSessionsPerPrincipal, config.Limits.MaxSessionsPerPrincipal);
        Assert.Equal(ConfigDefaults.RefusalsPerMinute, config.Audit.RefusalsPerMinute);
        Assert.Equal(ConfigDefaults.MaxDepth, config.Limits.MaxDepth);
        Assert.Equal(ConfigDefaults.MaxStringLength, config.Limits.MaxStringLength);
        Assert.Equal(ConfigDefaults.MaxValues, config.Limits.MaxValues);
        Assert.Equal(ConfigDefaults.PatternBudgetMs, config.Limits.PatternBudgetMs);
        Assert.Equal(ConfigDefaults.SchemaBudgetMs, config.Limits.SchemaBudgetMs);
        Assert.Equal(ConfigDefaults.DrainSeconds, config.Shutdown.DrainSeconds);
        Assert.Equal(ConfigDefaults.ReviewRetryAfterSeconds, config.Review.RetryAfterSeconds);
        Assert.Equal(ConfigDefaults.MaxPendingReviewsPerPrincipal, config.Review.MaxPendingPerPrincipal);
        Assert.Equal(ConfigDefaults.AuthMode, connector.Auth.Mode);
        Assert.Equal(ConfigDefaults.TokenTtlSeconds, connector.Auth.TokenTtlSeconds);
        Assert.Equal(ConfigDefaults.ConnectTimeoutSeconds, connector.Upstream.ConnectTimeoutSeconds);
        Assert.Equal(ConfigDefaults.PingIntervalSeconds, connector.Upstream.PingIntervalSeconds);
        Assert.Equal(ConfigDefaults.UpstreamProtocolVersion, connector.Upstream.ProtocolVersion);
        Assert.Equal(ConfigDefaults.OutputSchema, new ToolConfig().OutputSchema);
    }
}
