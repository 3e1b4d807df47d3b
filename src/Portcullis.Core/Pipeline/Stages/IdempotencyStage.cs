using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Configuration;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Errors;
using Portcullis.Core.Idempotency;
using Portcullis.Core.Review;

namespace Portcullis.Core.Pipeline.Stages;

/// <summary>Claims, replays or refuses idempotency keys of write tools; read-only tools pass straight through.</summary>
/// <remarks>
/// A review-required write is held here too: its record is the review (see <see cref="ReviewGate"/>), so an approval
/// binds to this key, principal, tool and exact arguments, and the approved call is claimed once like any other.
/// </remarks>
internal sealed class IdempotencyStage(
    IIdempotencyStore store, GatewayConfig config, ReviewGate reviews, UnsettledClaims unsettled, TimeProvider time, GatewayTelemetry telemetry, ILogger<IdempotencyStage> logger) : IToolCallStage
{
    private static readonly JsonTypeInfo<CallToolResult> ResultType =
        (JsonTypeInfo<CallToolResult>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(CallToolResult));

    private readonly TimeSpan _lease = TimeSpan.FromSeconds(config.Idempotency.LeaseSeconds);
    private readonly TimeSpan _retention = TimeSpan.FromHours(config.Idempotency.RetentionHours);

    public async ValueTask<CallToolResult> InvokeAsync(ToolCallContext context, ToolCallHandler next, CancellationToken cancellationToken)
    {
        var tool = context.Tool;
        if (tool is null)
        {
            // Not authorized: leave the flag unset so the forwarder refuses the call (fail closed).
            return await next(context, cancellationToken).ConfigureAwait(false);
        }

        if (tool.ReadOnly)
        {
            context.MarkPassed(PassedStages.IdempotencyChecked);
            return await next(context, cancellationToken).ConfigureAwait(false);
        }

        if (!IdempotencyKey.TryRead(context.Arguments, out var key, out var keyError))
        {
            return context.Fail(CallStage.Idempotency, keyError!);
        }

        if (context.ArgumentsSha256 is not { } fingerprint)
        {
            return context.Fail(CallStage.Idempotency, new GatewayError(ErrorCatalog.InvalidArguments,
                "The arguments are not valid I-JSON (duplicate property names, unpaired surrogates or out-of-range numbers)."));
        }

        var scope = new IdempotencyScope(config.Environment, context.Connector.Name, context.Caller.Key, tool.Name, key);
        var hold = reviews.HoldFor(context, tool.Policy?.Review, out var unavailable);
        if (unavailable is not null && await store.GetAsync(scope, time.GetUtcNow(), _retention, cancellationToken).ConfigureAwait(false) is null)
        {
            // A caller-mode call this client cannot confirm, under a key nothing holds: refused before anything is stored.
            // A key already used answers below as it stands; a retry of a call that ran is never told it did not.
            return context.Fail(CallStage.Review, unavailable);
        }

        // Taken just before the claim's now: the lease the store stamps ends no earlier than a lease after it, which the
        // forwarder checks before it sends (a replica frozen past its lease must not act on a claim no longer its own).
        context.ClaimedAt = time.GetTimestamp();
        var request = new IdempotencyClaimRequest(scope, fingerprint, context.CorrelationId, time.GetUtcNow(), _lease, _retention) { Review = hold };
        var claim = await ClaimAsync(context, request, cancellationToken).ConfigureAwait(false);
        if (claim.Status == ClaimStatus.AwaitingReview && claim.Review is { } held)
        {
            if (held.CorrelationId == context.CorrelationId)
            {
                reviews.Held(context, held);
            }

            if (held.Mode != ReviewModes.Caller)
            {
                return context.Fail(CallStage.Review, reviews.Answer(claim.Status, held));
            }

            if (unavailable is not null)
            {
                // Held for the calling user, whom this client cannot ask: it stays held for a client that can.
                return context.Fail(CallStage.Review, unavailable);
            }

            if (hold is { Mode: ReviewModes.Reviewer })
            {
                // Held for the calling user, retried from a client that cannot ask them, of a tool that falls back to a
                // reviewer: the review is theirs from now on (or it changed meanwhile, and the claim below says how).
                if (await reviews.HandOverAsync(context, held, hold.ApprovalsRequired, cancellationToken).ConfigureAwait(false) is { } handed)
                {
                    return context.Fail(CallStage.Review, reviews.Answer(ClaimStatus.AwaitingReview, handed));
                }
            }
            else if (await reviews.AskCallerAsync(context, held, cancellationToken).ConfigureAwait(false) is { } confirmed)
            {
                // Caller mode: the calling user decides now (unless the review was handed to reviewers meanwhile); then the
                // record is claimed (approved) or answers as it stands.
                await reviews.DecideAsync(held, context.Caller.Subject, ReviewModes.Caller, confirmed, confirmed ? null : "declined by the calling user", cancellationToken)
                    .ConfigureAwait(false);
            }
            else
            {
                return context.Fail(CallStage.Review, new GatewayError(ErrorCatalog.ReviewUnavailable,
                    "The calling user could not be asked to confirm this call, so it was not executed. Retry with the same idempotency_key to be asked again."));
            }

            context.ClaimedAt = time.GetTimestamp();
            claim = await ClaimAsync(context, request with { Now = time.GetUtcNow() }, cancellationToken).ConfigureAwait(false);
        }

        if (claim.Status == ClaimStatus.Reused)
        {
            claim = await StoredBeforeIntegerSpellingAsync(context, request, claim, cancellationToken).ConfigureAwait(false);
        }

        switch (claim.Status)
        {
            case ClaimStatus.AwaitingReview or ClaimStatus.ReviewDenied or ClaimStatus.ReviewExpired or ClaimStatus.ReviewOutdated:
                return context.Fail(CallStage.Review, reviews.Answer(claim.Status, claim.Review!));
            case ClaimStatus.ReviewLimitReached:
                return context.Fail(CallStage.Review, reviews.LimitReached());
            case ClaimStatus.Completed:
                return Replay(context, claim);
            case ClaimStatus.Reused:
                return context.Fail(CallStage.Idempotency, new GatewayError(ErrorCatalog.IdempotencyKeyReused,
                    "This idempotency_key was already used with different arguments; it was not executed. Use a new key for a different action."));
            case ClaimStatus.InProgress:
                var remaining = (claim.LeaseExpiresAt!.Value - time.GetUtcNow()).TotalSeconds;
                return context.Fail(CallStage.Idempotency, new GatewayError(ErrorCatalog.IdempotencyInProgress,
                    "A call with this idempotency_key is still running; retry with the same key shortly to get its result.")
                {
                    RetryAfterSeconds = (int)Math.Clamp(Math.Ceiling(remaining), 1, 5),
                });
            case ClaimStatus.OutcomeUnknown:
                telemetry.IdempotencyAnsweredUnknown(context.Connector.Name, tool.Name);
                Log.IdempotencyOutcomeUnknown(logger, context.CorrelationId, claim.OriginalCorrelationId ?? "");
                return context.Fail(CallStage.Idempotency, new GatewayError(ErrorCatalog.IdempotencyOutcomeUnknown,
                    "An earlier call with this idempotency_key was sent but its outcome is unknown; it will not be repeated automatically. " +
                    "Check whether it took effect before acting again with a new key."));
        }

        if (claim.Review is { } approved)
        {
            Log.ReviewExecuting(logger, context.CorrelationId, approved.Id);
            context.ExecutedReview = approved;
        }

        telemetry.IdempotencyClaimed(context.Connector.Name, tool.Name);
        context.ClaimLost = ct => ClaimLostAsync(scope, context.CorrelationId, ct);
        return await ForwardClaimedAsync(context, next, scope, claim.Token!, tool, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Asks the store for the key. When that fails (the store, or the caller leaving), the store may have made the claim
    /// and lost only its answer: nothing was sent, so the claim is released in the background by its token.
    /// </summary>
    private async ValueTask<ClaimResult> ClaimAsync(ToolCallContext context, IdempotencyClaimRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await store.TryClaimAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            unsettled.Release(request.Scope, request.Token, context.CorrelationId, ex);
            throw;
        }
    }

    /// <summary>
    /// A key stored before a long integer literal had a fingerprint of its own (<see cref="Fingerprint.ComputeAsBeforeIntegerSpelling"/>)
    /// answers the retry of its call after the upgrade as it stands when it completed, is in flight or its outcome is
    /// unknown (a replay or a refusal: nothing is sent), instead of <c>idempotency_key_reused</c>, which would tell the
    /// agent to act again under a new key. Nothing is taken under the earlier fingerprint: a key it would claim (or an
    /// approval it would take) is given back at once, and the call answers <c>idempotency_key_reused</c> as before.
    /// </summary>
    private async ValueTask<ClaimResult> StoredBeforeIntegerSpellingAsync(ToolCallContext context, IdempotencyClaimRequest request, ClaimResult reused, CancellationToken cancellationToken)
    {
        if (Fingerprint.ComputeAsBeforeIntegerSpelling(context.OriginalArguments.Where(a => a.Key != IdempotencyKeySchema.PropertyName)) is not { } earlier
            || earlier == request.Fingerprint)
        {
            return reused;
        }

        var earlierRequest = request with { Fingerprint = earlier, Review = null, Now = time.GetUtcNow() };
        var claim = await ClaimAsync(context, earlierRequest, cancellationToken).ConfigureAwait(false);
        if (claim.Status is ClaimStatus.Completed or ClaimStatus.InProgress or ClaimStatus.OutcomeUnknown)
        {
            return claim;
        }

        if (claim.Status == ClaimStatus.Claimed)
        {
            try
            {
                await store.ReleaseAsync(request.Scope, earlierRequest.Token, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Nothing was sent under it: given back once the store answers, so it neither holds the key for a lease
                // nor turns outcome-unknown after it.
                unsettled.Release(request.Scope, earlierRequest.Token, context.CorrelationId, ex);
            }
        }

        return reused;
    }

    /// <summary>Why the store no longer holds <paramref name="scope"/> for the call <paramref name="correlationId"/>, or null while it does.</summary>
    private async ValueTask<string?> ClaimLostAsync(IdempotencyScope scope, string correlationId, CancellationToken cancellationToken)
    {
        var record = await store.GetAsync(scope, time.GetUtcNow(), _retention, cancellationToken).ConfigureAwait(false);
        return record is null ? "the key is free: it was settled not executed, or purged"
            : record.CorrelationId != correlationId ? "another call holds the key"
            : record.State != IdempotencyState.InProgress ? $"the key is {record.State}"
            : null;
    }

    private async ValueTask<CallToolResult> ForwardClaimedAsync(
        ToolCallContext context, ToolCallHandler next, IdempotencyScope scope, string token, Tools.GatewayTool tool, CancellationToken cancellationToken)
    {
        if (!IdempotencyKeySchema.UpstreamDeclares(tool))
        {
            var stripped = new Dictionary<string, JsonElement>(context.Arguments, StringComparer.Ordinal);
            stripped.Remove(IdempotencyKeySchema.PropertyName);
            context.Arguments = stripped;
        }

        context.MarkPassed(PassedStages.IdempotencyChecked);
        CallToolResult result;
        try
        {
            result = await next(context, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await SettleFailureAsync(context, scope, token).ConfigureAwait(false);
            throw;
        }

        if (context.Failure is not null)
        {
            await SettleFailureAsync(context, scope, token).ConfigureAwait(false);
            return result;
        }

        var completedAt = time.GetUtcNow();
        string? json = null;
        try
        {
            json = JsonSerializer.Serialize(result, ResultType);
            if (!await store.CompleteAsync(scope, token, json, completedAt, CancellationToken.None).ConfigureAwait(false))
            {
                Log.IdempotencyClaimLost(logger, context.CorrelationId);
            }
        }
        catch (Exception ex)
        {
            // The upstream acted: the caller gets its answer now, and a retry gets it as a replay once the store takes it.
            if (json is null)
            {
                unsettled.MarkUnknown(scope, token, completedAt, context.CorrelationId, ex);
            }
            else
            {
                unsettled.Complete(scope, token, json, completedAt, context.CorrelationId, ex);
            }
        }

        return result;
    }

    /// <summary>Before sending: forget the claim so a retry may run. After sending: the outcome is unknown.</summary>
    private async ValueTask SettleFailureAsync(ToolCallContext context, IdempotencyScope scope, string token)
    {
        var now = time.GetUtcNow();
        if (context.SentUpstream)
        {
            Log.IdempotencyMarkedUnknown(logger, context.CorrelationId);
            context.KeyMarkedUnknown = true;
            telemetry.IdempotencyMarkedUnknown(context.Connector.Name, scope.Tool);
        }

        try
        {
            if (context.SentUpstream)
            {
                await store.MarkUnknownAsync(scope, token, now, CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                await store.ReleaseAsync(scope, token, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            if (context.SentUpstream)
            {
                unsettled.MarkUnknown(scope, token, now, context.CorrelationId, ex);
            }
            else
            {
                unsettled.Release(scope, token, context.CorrelationId, ex);
            }
        }
    }

    private CallToolResult Replay(ToolCallContext context, ClaimResult claim)
    {
        CallToolResult? stored;
        try
        {
            stored = JsonSerializer.Deserialize(claim.ResultJson!, ResultType);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            stored = null;
            Log.IdempotencyRecordUnreadable(logger, context.CorrelationId, claim.OriginalCorrelationId ?? "", ex);
        }

        if (stored is null)
        {
            // The call ran (its record says completed), but what it answered cannot be read back: running it again could
            // act twice, and no retry makes the record readable. A person decides, as for an outcome lost in flight.
            telemetry.IdempotencyAnsweredUnknown(context.Connector.Name, context.Tool!.Name);
            return context.Fail(CallStage.Idempotency, new GatewayError(ErrorCatalog.IdempotencyOutcomeUnknown,
                "An earlier call with this idempotency_key completed, but the gateway's stored record of its result cannot be read, " +
                "so it can neither be replayed nor repeated. Do not retry it: a person checks the target system, then an operator settles the key."));
        }

        var meta = stored.Meta ?? new JsonObject();
        meta[ReplayMeta.Replay] = true;
        meta[ReplayMeta.OriginalCorrelationId] = claim.OriginalCorrelationId;
        stored.Meta = meta;
        context.Replayed = true;
        telemetry.IdempotencyReplayed(context.Connector.Name, context.Tool!.Name);
        Log.IdempotencyReplayed(logger, context.CorrelationId, claim.OriginalCorrelationId ?? "");
        return stored;
    }
}
