using System.Text.Json;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Audit;
using Portcullis.Core.Configuration;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Errors;
using Portcullis.Core.Idempotency;
using Portcullis.Core.Pipeline;
using Portcullis.Core.Relay;

namespace Portcullis.Core.Review;

/// <summary>
/// Human review of writes: what a held call is bound to, the answers an agent gets while it waits, decisions (from
/// reviewers on the admin plane, or from the caller through elicitation), each audited with who decided.
/// </summary>
internal sealed class ReviewGate(IIdempotencyStore store, GatewayConfig config, DecisionRecorder recorder, ReviewNotifier notifier, TimeProvider time, ILogger<ReviewGate> logger)
{
    /// <summary>The property of the caller-mode confirmation form the user must set to true.</summary>
    public const string ConfirmProperty = "confirm";

    private readonly ArgumentRedactor _redactor = new(config.Audit.Redact);

    public TimeSpan Retention { get; } = TimeSpan.FromHours(config.Idempotency.RetentionHours);

    /// <summary>Now by the clock reviews are stamped with (the state store's, the same on every replica).</summary>
    public DateTimeOffset Now => time.GetUtcNow();

    /// <summary>The gateway's environment: the only one whose reviews it shows and decides.</summary>
    public string Environment => config.Environment;

    /// <summary>
    /// True when <paramref name="review"/> was held in this gateway's environment. A store shared with another
    /// environment holds that one's reviews too; its reviewers decide them, never this gateway's.
    /// </summary>
    public bool IsOwn(ReviewRecord review) => string.Equals(review.Scope.Environment, config.Environment, StringComparison.Ordinal);

    /// <summary>
    /// The hold a review-required call asks for, or null when its tool needs no review. A caller-mode review of a
    /// client that cannot be asked becomes a reviewer-mode one when <c>fallback_to_reviewer</c> says so; otherwise it
    /// stays a caller-mode hold and comes with <paramref name="refusal"/>, the answer for a call that nothing holds yet
    /// and for one held for the calling user. A key already used answers as it stands (its replay, outcome unknown,
    /// another call's arguments): this client cannot ask, but it may learn what became of the call.
    /// </summary>
    public ReviewHold? HoldFor(ToolCallContext context, ToolReviewConfig? policy, out GatewayError? refusal)
    {
        refusal = null;
        if (policy is not { Required: true })
        {
            return null;
        }

        var mode = policy.Mode;
        if (mode == ReviewModes.Caller && !CanAsk(context))
        {
            if (policy.FallbackToReviewer)
            {
                mode = ReviewModes.Reviewer;
            }
            else
            {
                refusal = new GatewayError(ErrorCatalog.ReviewUnavailable,
                    "This tool needs the calling user to confirm each call, and this client cannot ask its user (no elicitation support). " +
                    "It was not executed. Use a client that supports elicitation.");
            }
        }

        var arguments = _redactor.Capture(CallArguments(context));
        return new ReviewHold(ReviewIds.New(), mode, arguments.ToJsonString(), mode == ReviewModes.Caller ? 1 : policy.Approvals,
            time.GetUtcNow() + TimeSpan.FromSeconds(policy.ExpiresSeconds), context.Tool!.DefinitionSha256, config.Review.MaxPendingPerPrincipal);
    }

    /// <summary>A newly held reviewer-mode call is announced (webhook) and logged; the caller's own review is not announced.</summary>
    public void Held(ToolCallContext context, ReviewRecord review)
    {
        Log.ReviewHeld(logger, context.CorrelationId, review.Scope.Connector, review.Scope.Tool, review.Id, review.Mode);
        if (review.Mode == ReviewModes.Reviewer)
        {
            notifier.Announce(review);
        }
    }

    /// <summary>The answer for a held call that may not run (yet).</summary>
    public GatewayError Answer(ClaimStatus status, ReviewRecord review) => status switch
    {
        // A caller-mode review is denied by the calling user only (reviewers cannot decide it): saying a reviewer denied
        // it sent the agent to tell its user someone else had refused what the user declined.
        ClaimStatus.ReviewDenied when review.Mode == ReviewModes.Caller => new GatewayError(ErrorCatalog.ReviewDenied,
            "The calling user declined this call when asked to confirm it; it was not executed and will not be with this idempotency_key.")
        {
            Details = Details(review),
        },
        ClaimStatus.ReviewDenied => new GatewayError(ErrorCatalog.ReviewDenied,
            "A reviewer denied this call; it was not executed and will not be with this idempotency_key."
            // The reviewer's words reach the agent's user, maybe in a terminal: hidden characters (a bidi override, an
            // escape sequence) are written as escapes, as everywhere else a person reads them.
            + (string.IsNullOrWhiteSpace(review.Decision?.Reason) ? "" : " Reason: " + VisibleText.Escape(review.Decision!.Reason)))
        {
            Details = Details(review),
        },
        ClaimStatus.ReviewExpired when review.ExecuteBy is { } executeBy => new GatewayError(ErrorCatalog.ReviewExpired,
            $"This call was approved but not retried before its approval lapsed ({AuditJson.FormatTime(executeBy)}); it was not executed. " +
            "Ask again with a new idempotency_key if it is still wanted.")
        {
            Details = Details(review),
        },
        ClaimStatus.ReviewOutdated => new GatewayError(ErrorCatalog.ReviewOutdated,
            "The tool's definition changed after this call was held for review, so its review (and any approval) does not cover the tool as it is now. " +
            "It was not executed. Ask again with a new idempotency_key if it is still wanted; the new call is reviewed under the current definition.")
        {
            Details = Details(review),
        },
        ClaimStatus.ReviewExpired => new GatewayError(ErrorCatalog.ReviewExpired,
            $"No one decided on this call before its review expired ({AuditJson.FormatTime(review.ExpiresAt)}); it was not executed. " +
            "Ask again with a new idempotency_key if it is still wanted.")
        {
            Details = Details(review),
        },
        _ => new GatewayError(ErrorCatalog.ReviewPending,
            "This call waits for a person's approval; nothing was sent. Retry later with the same idempotency_key and arguments: " +
            "once approved, the retry executes it.")
        {
            RetryAfterSeconds = (int)Math.Clamp(Math.Ceiling((review.ExpiresAt - time.GetUtcNow()).TotalSeconds), 1, config.Review.RetryAfterSeconds),
            Details = Details(review),
        },
    };

    /// <summary>The answer for a call that would hold one review more than its caller may have pending.</summary>
    public GatewayError LimitReached() => new(ErrorCatalog.RateLimited,
        $"This caller already has {config.Review.MaxPendingPerPrincipal} calls waiting for review, the most it may have at once; this one was not held " +
        "and nothing was sent. Retry later, once reviewers have decided some of them.")
    {
        RetryAfterSeconds = config.Review.RetryAfterSeconds,
    };

    /// <summary>
    /// One reviewer (in caller mode, the calling user) decides, as <paramref name="mode"/> allows: a review held in the
    /// other mode is not decided. The decision (or counted approval) is audited with who decided.
    /// </summary>
    public async ValueTask<ReviewDecisionResult> DecideAsync(ReviewRecord review, string reviewer, string mode, bool approve, string? reason, CancellationToken cancellationToken)
    {
        if (!IsOwn(review))
        {
            return new ReviewDecisionResult(ReviewDecisionStatus.NotFound, null);
        }

        var result = await store.DecideReviewAsync(new ReviewDecisionRequest(review.Id, reviewer, approve, reason, time.GetUtcNow(), Retention) { Mode = mode }, cancellationToken)
            .ConfigureAwait(false);
        if (result.Status is ReviewDecisionStatus.Decided or ReviewDecisionStatus.ApprovalRecorded)
        {
            var outcome = approve ? (result.Status == ReviewDecisionStatus.Decided ? AuditDecisions.Approved : "approval_recorded") : AuditDecisions.Denied;
            Log.ReviewDecided(logger, review.Id, review.Scope.Connector, review.Scope.Tool, outcome, LogText.Safe(reviewer));
            recorder.Administrative(Event(AuditKinds.ReviewDecided, approve ? AuditDecisions.Approved : AuditDecisions.Denied, review, review.CorrelationId) with
            {
                Actor = reviewer,
                Detail = $"review {review.Id} ({review.Mode})" + (result.Status == ReviewDecisionStatus.ApprovalRecorded
                    ? $", approval {result.Review!.Approvals.Count} of {review.ApprovalsRequired}" : "") + (reason is null ? "" : "; reason: " + reason),
            });
        }

        return result;
    }

    /// <summary>
    /// A caller-mode review whose calling user cannot be asked from this client, handed to reviewers (the tool's
    /// <c>fallback_to_reviewer</c>, with <paramref name="approvals"/> approvals): announced, logged and audited as a newly
    /// held review would be. Null when it was no longer a pending caller-mode review (the caller reads it again).
    /// </summary>
    public async ValueTask<ReviewRecord?> HandOverAsync(ToolCallContext context, ReviewRecord review, int approvals, CancellationToken cancellationToken)
    {
        var handed = await store.HandOverReviewAsync(new ReviewHandOverRequest(review.Id, approvals, time.GetUtcNow(), Retention), cancellationToken)
            .ConfigureAwait(false);
        if (handed is null)
        {
            return null;
        }

        Log.ReviewHandedOver(logger, context.CorrelationId, handed.Scope.Connector, handed.Scope.Tool, handed.Id);
        recorder.Administrative(Event(AuditKinds.ReviewHandedOver, AuditDecisions.Recorded, handed, context.CorrelationId) with
        {
            Detail = $"review {handed.Id}: the calling user cannot be asked from this client; handed to reviewers (fallback_to_reviewer), {approvals} approval(s) needed",
        });
        notifier.Announce(handed);
        return handed;
    }

    /// <summary>
    /// Caller mode: asks the calling user to confirm the exact call. True to approve, false when declined or
    /// dismissed, null when the client could not be asked (it stays pending until it expires).
    /// </summary>
    public async ValueTask<bool?> AskCallerAsync(ToolCallContext context, ReviewRecord review, CancellationToken cancellationToken)
    {
        var arguments = CallArguments(context);
        var request = new ElicitRequestParams
        {
            // The call's own arguments, not the held copy: that one has the fields named in audit.redact replaced, and the
            // user confirms what runs. They are the ones this client sent; the held record's match them by its fingerprint.
            Message = $"Confirm this action before it is sent.\n\nConnector: {review.Scope.Connector}\nTool: {review.Scope.Tool}\nArguments: {ArgumentsText.AsSent(arguments)}"
                + MixedScriptsNotice(MixedScripts.Find(arguments)),
            RequestedSchema = new ElicitRequestParams.RequestSchema
            {
                Properties = new Dictionary<string, ElicitRequestParams.PrimitiveSchemaDefinition>
                {
                    [ConfirmProperty] = new ElicitRequestParams.BooleanSchema { Title = "Run this call", Description = "Set to true to run exactly this call once." },
                },
                Required = [ConfirmProperty],
            },
        };

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Max(review.ExpiresAt - time.GetUtcNow(), TimeSpan.FromSeconds(1)));
        ElicitResult answer;
        try
        {
            if (MrtrBridge.Current is { } pending)
            {
                var response = await pending.AskAsync(InputRequest.ForElicitation(request), deadline.Token).ConfigureAwait(false);
                answer = response.Deserialize(InputResponse.ElicitResultJsonTypeInfo) ?? new ElicitResult { Action = "cancel" };
            }
            else
            {
                answer = await context.Downstream!.ElicitAsync(request, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Log.ReviewElicitationFailed(logger, context.CorrelationId, review.Id, "no answer before the review expired");
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.ReviewElicitationFailed(logger, context.CorrelationId, review.Id, ex.GetType().Name);
            return null;
        }

        return answer.Action == "accept"
            && answer.Content?.TryGetValue(ConfirmProperty, out var confirm) == true
            && confirm.ValueKind == JsonValueKind.True;
    }

    /// <summary>
    /// The words of the arguments that mix scripts, each with its odd letters' code points, under the arguments of the
    /// question: "аdmin" with a Cyrillic "а" reads as "admin" to the user asked to confirm it.
    /// </summary>
    private static string MixedScriptsNotice(MixedScriptWarnings warnings) => warnings.Count == 0 ? "" :
        "\n\nWarning: these words mix letters of different scripts, so each may be another word than the one it looks like:\n- "
        + string.Join("\n- ", warnings.Select(w => w.Describe()))
        + (warnings.Truncated ? $"\n(the first {MixedScripts.MaxWarnings}; there are more)" : "");

    /// <summary>The arguments a review is bound to: the call's, without its idempotency key.</summary>
    private static Dictionary<string, JsonElement> CallArguments(ToolCallContext context) =>
        context.OriginalArguments.Where(a => a.Key != IdempotencyKeySchema.PropertyName).ToDictionary(StringComparer.Ordinal);

    /// <summary>True when the calling client can be asked: it declared elicitation, in a session or through the multi round-trip bridge.</summary>
    private static bool CanAsk(ToolCallContext context) =>
        context.Downstream?.ClientCapabilities?.Elicitation is not null
        && (MrtrBridge.Current is not null || context.Downstream.SessionId is not null);

    /// <summary>An audit event about <paramref name="review"/>: its connector, tool, caller and arguments' digest.</summary>
    private AuditEvent Event(string kind, string decision, ReviewRecord review, string correlationId)
    {
        var (subject, clientId) = IdempotencyRecordId.Principal(review.Scope);
        return recorder.Event(kind, decision, correlationId) with
        {
            Connector = review.Scope.Connector,
            Principal = subject,
            ClientId = clientId,
            Tool = review.Scope.Tool,
            ArgumentsSha256 = review.Fingerprint,
            Stage = CallStage.Review,
        };
    }

    private static ErrorDetail[] Details(ReviewRecord review) => [new ErrorDetail("", "review_id", review.Id)];

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
