using System.Text.Json.Nodes;

namespace Portcullis.Core.Audit;

/// <summary>
/// One decision of the gateway, as the audit trail keeps it: who asked for what, what was decided, where and why.
/// The same record feeds the log line, the metrics and the span of the decision.
/// </summary>
/// <remarks>
/// Never holds a token or a secret. Argument values appear only in <see cref="Arguments"/>, which is set only with
/// <c>audit.include_arguments</c>, and then with the fields named in <c>audit.redact</c> replaced.
/// </remarks>
public sealed record AuditEvent
{
    /// <summary>When the decision was taken (UTC).</summary>
    public required DateTimeOffset Time { get; init; }

    public required string CorrelationId { get; init; }

    public required string Environment { get; init; }

    /// <summary>One of <see cref="AuditKinds"/>.</summary>
    public required string Kind { get; init; }

    /// <summary>One of <see cref="AuditDecisions"/>.</summary>
    public required string Decision { get; init; }

    public string? Connector { get; init; }

    /// <summary>The token's subject (<c>sub</c>); absent when no token was accepted.</summary>
    public string? Principal { get; init; }

    public string? ClientId { get; init; }

    public string? Tool { get; init; }

    public string? Resource { get; init; }

    public string? Prompt { get; init; }

    /// <summary>SHA-256 of the canonical arguments without the idempotency key: the idempotency fingerprint.</summary>
    public string? ArgumentsSha256 { get; init; }

    /// <summary>The error code of the catalog the decision answered with, if any.</summary>
    public string? Code { get; init; }

    /// <summary>Where the decision was taken: one of <see cref="Pipeline.CallStage"/>.</summary>
    public string? Stage { get; init; }

    /// <summary>Whether the request was handed to the upstream (it may have acted).</summary>
    public bool? UpstreamReached { get; init; }

    /// <summary>The answer was a stored result, replayed without calling the upstream.</summary>
    public bool? Replay { get; init; }

    public double? DurationMs { get; init; }

    /// <summary>A short, safe explanation: the reason class of a refused token, an operator's note, a catalog change.</summary>
    public string? Detail { get; init; }

    /// <summary>The operator or reviewer who acted, for administrative events.</summary>
    public string? Actor { get; init; }

    /// <summary>The client's address, for HTTP-level refusals (where no principal is known).</summary>
    public string? RemoteAddress { get; init; }

    /// <summary>
    /// How many refusals the event stands for: set only on the summary of the HTTP-level refusals held back once a
    /// source's burst was spent (<c>audit.refusals_per_minute</c>) or the gateway's budget of them, which is the latest of
    /// them; absent, the event is one.
    /// </summary>
    public long? Count { get; init; }

    /// <summary>The call's arguments, only with <c>audit.include_arguments</c>, redacted.</summary>
    public JsonObject? Arguments { get; init; }

    /// <summary>How large the call's arguments were as sent, in UTF-8 bytes: what <see cref="Arguments"/> costs the writer's queue.</summary>
    internal long ArgumentsBytes { get; init; }
}
