using System.Diagnostics;
using Portcullis.Core.Audit;
using Portcullis.Core.Errors;
using Portcullis.Core.Pipeline;

namespace Portcullis.Core.Relay;

/// <summary>
/// One resource read or prompt get on its way: its span, its start, and the audit event its decision completes.
/// Its decision is recorded once (log line, metric, span attributes, audit event), through the <see cref="DecisionRecorder"/>.
/// </summary>
internal sealed class AuditedRequest(DecisionRecorder recorder, TimeProvider time, string method, AuditEvent pending, Activity? span) : IDisposable
{
    private readonly long _started = time.GetTimestamp();
    private bool _recorded;
    private bool _reserved;

    public string CorrelationId => pending.CorrelationId;

    /// <summary>
    /// Keeps room in the audit trail's queue for this request's event (<c>audit.required</c>); false when the trail
    /// cannot take it, and the request must be refused.
    /// </summary>
    public bool Reserve() => _reserved = recorder.Trail.TryReserve();

    /// <summary>The upstream answered.</summary>
    public void Allowed() => Record(pending with { UpstreamReached = true });

    /// <summary>
    /// Ended with <paramref name="error"/> at <paramref name="stage"/>: refused when a gate before the upstream said no,
    /// failed when the upstream could not be reached or did not answer well.
    /// </summary>
    public void Ended(string stage, GatewayError? error, bool upstreamReached, string? detail = null) =>
        Record(pending with
        {
            Decision = stage is CallStage.Audit or CallStage.Authorize or CallStage.RateLimit ? AuditDecisions.Refused : AuditDecisions.Failed,
            Stage = stage,
            Code = error?.Code.Code,
            UpstreamReached = upstreamReached,
            Detail = detail ?? error?.Message,
        });

    public void Dispose()
    {
        // A request that ended without a record gives its room back.
        if (_reserved && !_recorded)
        {
            _reserved = false;
            recorder.Trail.Release();
        }

        span?.Dispose();
    }

    private void Record(AuditEvent e)
    {
        if (_recorded)
        {
            return;
        }

        _recorded = true;
        recorder.Request(e with { DurationMs = time.GetElapsedTime(_started).TotalMilliseconds }, method, span, _reserved);
    }
}
