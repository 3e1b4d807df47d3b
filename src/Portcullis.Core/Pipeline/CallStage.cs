namespace Portcullis.Core.Pipeline;

/// <summary>The wire names of the places a decision is taken, as the audit trail, logs, metrics and spans show them.</summary>
public static class CallStage
{
    /// <summary>The audit trail refused the call because it cannot record it (<c>audit.required</c>).</summary>
    public const string Audit = "audit";

    public const string Authorize = "authorize";

    public const string RateLimit = "rate_limit";

    public const string Validate = "validate";

    public const string Idempotency = "idempotency";

    /// <summary>Human review: the call waits for, or was refused by, a person's decision.</summary>
    public const string Review = "review";

    public const string OutputSchema = "output_schema";

    public const string Forward = "forward";

    /// <summary>The pipeline itself: an unexpected failure outside any stage.</summary>
    public const string Pipeline = "pipeline";

    /// <summary>HTTP level: the bearer token was missing or refused.</summary>
    public const string Authenticate = "authenticate";

    /// <summary>HTTP level: the Host or Origin header is not allowed.</summary>
    public const string HostFilter = "host_filter";

    /// <summary>
    /// HTTP level: no connector has the name in the URL, the session belongs to another connector, or the state store
    /// could not be read to find the session or a retry's holding replica.
    /// </summary>
    public const string Route = "route";

    /// <summary>HTTP level: the token lacks a scope the tool needs, answered with a step-up challenge.</summary>
    public const string StepUp = "step_up";

    /// <summary>HTTP level: the request body is past the size or depth limits.</summary>
    public const string Limits = "limits";

    /// <summary>
    /// HTTP level: a malformed frame (not clean JSON text, not a JSON-RPC message, unreadable params); counted and
    /// logged at most once per interval, never audited one by one.
    /// </summary>
    public const string Frame = "frame";
}
