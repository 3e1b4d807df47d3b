using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Portcullis.Core.Configuration;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Pipeline;

namespace Portcullis.Core.Audit;

/// <summary>
/// The one place a decision becomes visible: from its <see cref="AuditEvent"/> come the log line, the metrics, the
/// span's attributes and the audit trail's record, so the four never disagree.
/// </summary>
internal sealed class DecisionRecorder(AuditTrail audit, GatewayTelemetry telemetry, GatewayConfig config, TimeProvider time, ILogger<DecisionRecorder> logger)
{
    /// <summary>Tool names are client input: the audit keeps at most this much of one.</summary>
    internal const int MaxNameLength = 256;

    /// <summary>A failure's message may quote the upstream or a reviewer: the log line keeps at most this much of it.</summary>
    private const int MaxDetailLength = 512;

    /// <summary>The label of a tool (or prompt) name no catalog or allow-list knows: client input never becomes a label or a span name.</summary>
    internal const string UnknownTool = "(unknown)";

    private readonly ArgumentRedactor? _arguments = config.Audit.IncludeArguments ? new ArgumentRedactor(config.Audit.Redact) : null;

    public AuditTrail Trail => audit;

    /// <summary>Records the decision a <c>tools/call</c> ended with.</summary>
    public void ToolCall(ToolCallContext context, double elapsedMs, Activity? span)
    {
        var e = new AuditEvent
        {
            Time = time.GetUtcNow(),
            CorrelationId = context.CorrelationId,
            Environment = config.Environment,
            Kind = AuditKinds.ToolCall,
            Decision = DecisionOf(context),
            Connector = context.Connector.Name,
            Principal = context.Caller.Subject,
            ClientId = context.Caller.ClientId,
            Tool = Truncate(context.ToolName),
            // Computed only for the trail: a read without audit skips hashing its arguments.
            ArgumentsSha256 = audit.Enabled ? context.ArgumentsSha256 : null,
            Code = context.Failure?.Code.Code,
            Stage = context.FailedStage ?? (context.Replayed ? CallStage.Idempotency : context.Cancelled && context.SentUpstream ? CallStage.Forward : null),
            UpstreamReached = context.SentUpstream,
            Replay = context.Replayed,
            DurationMs = elapsedMs,
            Detail = Join(context.Failure?.Message ?? (context.Cancelled ? "the caller cancelled the request or went away" : null), ReviewDetail(context)),
            Arguments = audit.Enabled ? _arguments?.Capture(context.OriginalArguments) : null,
            ArgumentsBytes = audit.Enabled && _arguments is not null ? ArgumentRedactor.Size(context.OriginalArguments) : 0,
        };

        // A tool withheld for its pin (tool_changed) is one the upstream lists, so its name is no client's invention.
        var label = context.Tool?.Name
            ?? (context.Connector.Catalog.Current.TryGet(context.ToolName, out var known) ? known.Name
            : context.Failure?.Code == Errors.ErrorCatalog.ToolChanged ? context.ToolName
            : UnknownTool);
        var tags = new TagList { { "connector", e.Connector }, { "tool", label }, { "outcome", context.Outcome } };
        telemetry.Calls.Add(1, tags);
        telemetry.Duration.Record(elapsedMs / 1000, tags);
        if (e.Stage == CallStage.RateLimit)
        {
            telemetry.RateLimitRefusals.Add(1, new TagList { { "connector", e.Connector }, { "tool", label } });
        }

        // The tool name and the token's subject are client input: escaped and bounded in the log line.
        var tool = context.LogToolName;
        var principal = LogText.Safe(e.Principal ?? "");
        switch (e.Decision)
        {
            case AuditDecisions.Refused:
                Log.CallRefused(logger, e.CorrelationId, e.Connector, tool, principal, context.Outcome, e.Stage!, elapsedMs);
                break;
            case AuditDecisions.Failed or AuditDecisions.OutcomeUnknown:
                Log.CallEndedBadly(logger, e.CorrelationId, e.Connector, tool, principal, e.Decision, context.Outcome, e.Stage ?? "", elapsedMs, LogText.Safe(e.Detail ?? "", MaxDetailLength));
                break;
            default:
                Log.CallDecided(logger, e.CorrelationId, e.Connector, tool, principal, e.Decision, context.Outcome, elapsedMs);
                break;
        }

        Tag(span, e);
        if (span is not null)
        {
            // Span names are grouped by (and labelled with, by span-metrics generators): a label, like the metrics'.
            span.DisplayName = "tools/call " + label;
        }

        // The room kept for a served call's event (audit.required) is taken by it, never by another event.
        audit.Record(e, context.AuditReserved);
        context.AuditReserved = false;
    }

    /// <summary>Records a resources/read or prompts/get.</summary>
    public void Request(AuditEvent e, string method, Activity? span, bool reserved = false)
    {
        var outcome = e.Code ?? "ok";
        telemetry.Passthrough.Add(1, new TagList { { "connector", e.Connector }, { "method", method }, { "outcome", outcome } });
        Log.RequestDecided(logger, e.CorrelationId, e.Connector ?? "", e.Kind, LogText.Safe(e.Resource ?? e.Prompt ?? ""), LogText.Safe(e.Principal ?? ""), e.Decision, outcome, e.DurationMs ?? 0);
        Tag(span, e);
        audit.Record(e, reserved);
    }

    /// <summary>
    /// Records a request refused at the HTTP level. The log line and the metric are the refusing side's own
    /// (<c>HttpRefusals</c> and <see cref="RefusalCounter"/>), which also keep malformed frames out of the trail.
    /// </summary>
    public void HttpRefusal(AuditEvent e) => audit.Record(e);

    /// <summary>Records an administrative event: configuration, catalog, operator actions.</summary>
    public void Administrative(AuditEvent e)
    {
        Log.AdminEvent(logger, e.Kind, e.Connector ?? "-", LogText.Safe(e.Tool ?? "-"), LogText.Safe(e.Detail ?? "", MaxDetailLength));
        audit.Record(e);
    }

    /// <summary>A new event of <paramref name="kind"/> with the gateway's time and environment.</summary>
    public AuditEvent Event(string kind, string decision, string? correlationId = null) => new()
    {
        Time = time.GetUtcNow(),
        CorrelationId = correlationId ?? CorrelationIds.Next(),
        Environment = config.Environment,
        Kind = kind,
        Decision = decision,
    };

    private static string DecisionOf(ToolCallContext context)
    {
        if (context.Replayed)
        {
            return AuditDecisions.Replayed;
        }

        if (context.KeyMarkedUnknown)
        {
            return AuditDecisions.OutcomeUnknown;
        }

        if (context.Cancelled)
        {
            return AuditDecisions.Failed;
        }

        if (context.Failure is null)
        {
            return AuditDecisions.Allowed;
        }

        return context.SentUpstream || context.FailedStage is CallStage.Forward or CallStage.OutputSchema or CallStage.Pipeline
            ? AuditDecisions.Failed
            : AuditDecisions.Refused;
    }

    private static void Tag(Activity? span, AuditEvent e)
    {
        if (span is null)
        {
            return;
        }

        span.SetTag("portcullis.decision", e.Decision);
        span.SetTag("portcullis.upstream_reached", e.UpstreamReached);
        if (e.Stage is not null)
        {
            span.SetTag("portcullis.stage", e.Stage);
        }

        if (e.Code is not null)
        {
            span.SetTag("error.type", e.Code);
            span.SetStatus(ActivityStatusCode.Error, e.Code);
        }
    }

    /// <summary>At most <see cref="MaxNameLength"/> characters, never cutting a surrogate pair in two.</summary>
    internal static string? Truncate(string? name) =>
        name is { Length: > MaxNameLength } ? name[..(char.IsHighSurrogate(name[MaxNameLength - 1]) ? MaxNameLength - 1 : MaxNameLength)] : name;

    /// <summary>
    /// For a call that executed an approval, the review and who approved it: the event of the call that acted says under
    /// whose approval it ran, not only the <c>review_decided</c> event of another correlation id. A call that took the
    /// approval but failed before it was sent gave it back for a retry, and says so: it did not run.
    /// </summary>
    private static string? ReviewDetail(ToolCallContext context)
    {
        if (context.ExecutedReview is not { } review)
        {
            return null;
        }

        var approvers = string.Join(", ", review.Approvals.Count > 0 ? review.Approvals.Select(a => a.Reviewer) : [review.Decision?.DecidedBy ?? "?"]);
        return context.SentUpstream
            ? $"ran under review {review.Id} ({review.Mode}), approved by {approvers}"
            : $"not sent under review {review.Id} ({review.Mode}), approved by {approvers}: the approval stands for a retry";
    }

    private static string? Join(string? first, string? second) =>
        first is null ? second : second is null ? first : first + "; " + second;
}
