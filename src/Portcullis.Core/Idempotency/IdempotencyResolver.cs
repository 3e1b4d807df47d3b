using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Audit;
using Portcullis.Core.Configuration;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.State;

namespace Portcullis.Core.Idempotency;

/// <summary>
/// An operator settles an outcome-unknown key: not executed releases it so the agent's retry runs; executed answers
/// later retries with a non-error result saying an operator confirmed the call. Both are audited.
/// </summary>
internal sealed class IdempotencyResolver(IIdempotencyStore store, GatewayConfig config, DecisionRecorder recorder, GatewayTelemetry telemetry, StateClock time)
{
    private static readonly JsonTypeInfo<CallToolResult> ResultType =
        (JsonTypeInfo<CallToolResult>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(CallToolResult));

    public TimeSpan Retention { get; } = TimeSpan.FromHours(config.Idempotency.RetentionHours);

    /// <summary>The gateway's environment: the only one whose keys it shows and settles (a shared store holds others').</summary>
    public string Environment => config.Environment;

    /// <summary>
    /// Settles the key while it holds the call <paramref name="expectedCorrelationId"/> names (the one the operator checked),
    /// or, when none is named, the call it holds as it is read here: a call that takes the key meanwhile is never settled.
    /// </summary>
    public async ValueTask<(ResolveStatus Status, IdempotencyRecord? Record)> ResolveAsync(
        IdempotencyScope scope, bool executed, string? note, string operatorSubject, string? expectedCorrelationId, CancellationToken cancellationToken)
    {
        if (!string.Equals(scope.Environment, config.Environment, StringComparison.Ordinal))
        {
            return (ResolveStatus.NotFound, null);
        }

        var now = time.GetUtcNow();
        var record = await store.GetAsync(scope, now, Retention, cancellationToken).ConfigureAwait(false);
        if (record is null)
        {
            return (ResolveStatus.NotFound, null);
        }

        if (record.Unreadable is not null)
        {
            // A settlement could not make a damaged record readable, nor be judged against the call it holds.
            return (ResolveStatus.Unreadable, record);
        }

        if (expectedCorrelationId is not null && !string.Equals(expectedCorrelationId, record.CorrelationId, StringComparison.Ordinal))
        {
            return (ResolveStatus.OtherCall, record);
        }

        var result = executed ? JsonSerializer.Serialize(OperatorConfirmation.Result(record.CorrelationId, note), ResultType) : null;
        var status = await store.ResolveAsync(new IdempotencyResolveRequest(scope, record.CorrelationId, executed, result, operatorSubject, note, now, Retention), cancellationToken)
            .ConfigureAwait(false);
        if (status is ResolveStatus.OtherCall or ResolveStatus.Unreadable)
        {
            // Another call took the key, or the record was damaged, between the read and the settlement: it is the one to show.
            var holder = await store.GetAsync(scope, time.GetUtcNow(), Retention, cancellationToken).ConfigureAwait(false);
            return holder is null ? (ResolveStatus.NotFound, null) : (holder.Unreadable is null ? ResolveStatus.OtherCall : ResolveStatus.Unreadable, holder);
        }

        if (status != ResolveStatus.Resolved)
        {
            return (status, record);
        }

        telemetry.IdempotencyResolved(scope.Connector, scope.Tool, executed);
        var (subject, clientId) = IdempotencyRecordId.Principal(scope);
        recorder.Administrative(recorder.Event(AuditKinds.KeyResolved, executed ? AuditDecisions.Executed : AuditDecisions.NotExecuted, record.CorrelationId) with
        {
            Connector = scope.Connector,
            Principal = subject,
            ClientId = clientId,
            Tool = scope.Tool,
            ArgumentsSha256 = record.Fingerprint,
            Stage = Pipeline.CallStage.Idempotency,
            Actor = operatorSubject,
            Detail = note is null ? null : "note: " + note,
        });
        return (status, await store.GetAsync(scope, time.GetUtcNow(), Retention, cancellationToken).ConfigureAwait(false) ?? record);
    }
}
