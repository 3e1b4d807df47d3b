using System.Diagnostics;
using System.Text.Json;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Portcullis.Core.Connectors;
using Portcullis.Core.Errors;
using Portcullis.Core.Idempotency;
using Portcullis.Core.Security;
using Portcullis.Core.Tools;

namespace Portcullis.Core.Pipeline;

/// <summary>Everything the stages know about one <c>tools/call</c>, and the decision it ended with.</summary>
public sealed class ToolCallContext
{
    private string? _fingerprint;
    private bool _fingerprintComputed;

    internal ToolCallContext(Connector connector, CallerIdentity caller, string toolName, IDictionary<string, JsonElement>? arguments, string correlationId)
    {
        Connector = connector;
        Caller = caller;
        ToolName = toolName;
        Arguments = arguments ?? new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        OriginalArguments = Arguments;
        CorrelationId = correlationId;
    }

    public Connector Connector { get; }

    public CallerIdentity Caller { get; }

    public string ToolName { get; }

    /// <summary>The tool name as it may appear in a log line: the client chose it, so no line breaks, bounded.</summary>
    internal string LogToolName => field ??= Diagnostics.LogText.Safe(ToolName);

    /// <summary>The arguments to forward; stages may replace entries (the key is stripped, for instance).</summary>
    public IDictionary<string, JsonElement> Arguments { get; set; }

    /// <summary>The arguments as the caller sent them, for the fingerprint and (when configured) the audit trail.</summary>
    public IDictionary<string, JsonElement> OriginalArguments { get; }

    public string CorrelationId { get; }

    /// <summary>The downstream request's server, through which the upstream's progress, logs and questions reach the caller.</summary>
    public McpServer? Downstream { get; init; }

    /// <summary>Which of the upstream's log messages during the call the caller asked for.</summary>
    internal Relay.CallLogging Logging { get; init; }

    /// <summary>The caller's progress token, if it asked for progress.</summary>
    public ProgressToken? ProgressToken { get; init; }

    /// <summary>
    /// Fires when the connection that carries this call's answer closes before it is answered (a 2025-11-25 client's
    /// cancellation does not reach the gateway, its disconnect does). A read is then cancelled upstream; a write runs
    /// to its end, so its result is stored and the caller's retry with the same key gets it.
    /// </summary>
    public CancellationToken CallerGone { get; init; }

    /// <summary>The caller's trace context (from the request's <c>_meta</c> or its HTTP <c>traceparent</c>); default when none.</summary>
    public ActivityContext TraceParent { get; init; }

    /// <summary>Set by the authorize stage once the tool is known to exist and be allowed.</summary>
    internal GatewayTool? Tool { get; set; }

    /// <summary>The approved review this call executes, set when its claim took the approval; null for any other call.</summary>
    internal Review.ReviewRecord? ExecutedReview { get; set; }

    /// <summary>
    /// When the idempotency stage asked the store for the key this write holds (a <see cref="TimeProvider"/> timestamp,
    /// taken with the claim's <c>now</c>, so the lease the store stamped ends a lease after it); null for a read.
    /// </summary>
    internal long? ClaimedAt { get; set; }

    /// <summary>
    /// Set with <see cref="ClaimedAt"/>: asks the store whether the key is still held by this call (in progress, under its
    /// correlation id), or answers why not. The forward stage asks when the process was held up since the claim.
    /// </summary>
    internal Func<CancellationToken, ValueTask<string?>>? ClaimLost { get; set; }

    public PassedStages Passed { get; private set; }

    /// <summary>True once the request was handed to the upstream: a failure after this may have acted.</summary>
    public bool SentUpstream { get; internal set; }

    /// <summary>The error this call ended with, if any.</summary>
    public GatewayError? Failure { get; private set; }

    /// <summary>The stage whose refusal or failure ended the call (one of <see cref="CallStage"/>), if any.</summary>
    public string? FailedStage { get; private set; }

    /// <summary>The answer is a stored result replayed by the idempotency stage; the upstream was not called.</summary>
    public bool Replayed { get; internal set; }

    /// <summary>The idempotency key of this write became outcome-unknown: the call was sent and no outcome stored.</summary>
    public bool KeyMarkedUnknown { get; internal set; }

    /// <summary>The upstream answered with its own tool error (<c>isError: true</c>), passed through unchanged.</summary>
    public bool ToolError { get; internal set; }

    /// <summary>The caller went away (cancelled the request or disconnected) before the call was answered.</summary>
    public bool Cancelled { get; internal set; }

    /// <summary>Room in the audit trail's queue is kept for this call's event (<c>audit.required</c>): its record takes it.</summary>
    internal bool AuditReserved { get; set; }

    /// <summary>A short word for logs and metrics: <c>ok</c>, <c>tool_error</c>, <c>replayed</c>, <c>cancelled</c> or the error code.</summary>
    public string Outcome => Failure?.Code.Code ?? (Cancelled ? "cancelled" : Replayed ? "replayed" : ToolError ? "tool_error" : "ok");

    /// <summary>SHA-256 of the canonical arguments without the idempotency key (the idempotency fingerprint); null when not I-JSON.</summary>
    public string? ArgumentsSha256
    {
        get
        {
            if (!_fingerprintComputed)
            {
                _fingerprint = Fingerprint.Compute(OriginalArguments.Where(a => a.Key != IdempotencyKeySchema.PropertyName));
                _fingerprintComputed = true;
            }

            return _fingerprint;
        }
    }

    public void MarkPassed(PassedStages stage) => Passed |= stage;

    /// <summary>Ends the call at <paramref name="stage"/> with a structured error.</summary>
    public CallToolResult Fail(string stage, GatewayError error)
    {
        Failure = error;
        FailedStage = stage;
        return ErrorEnvelope.ToResult(error, CorrelationId);
    }
}
