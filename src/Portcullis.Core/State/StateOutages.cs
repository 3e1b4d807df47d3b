using Microsoft.Extensions.Logging;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Errors;

namespace Portcullis.Core.State;

/// <summary>
/// What a failure of the state store means for the request it hit: when the store says it is an outage (it cannot be
/// reached or did not answer, <see cref="IStateStore.IsUnavailable"/>), the answer is <c>state_unavailable</c>,
/// retryable, and the log says so at most once per <see cref="ReportEvery"/> with how many requests it refused since
/// (under load an outage would otherwise add a warning per call to each call's own line); what a burst refused after
/// its last report is reported one interval later, so no outage's count waits for the next one. Anything else stays a
/// defect. When this replica last found the store out of reach is kept (<see cref="SeenWithin"/>).
/// </summary>
public sealed class StateOutages(IStateStore store, TimeProvider time, ILogger<StateOutages> logger) : IDisposable
{
    public static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(10);

    /// <summary>What the caller is told to wait before retrying.</summary>
    public const int RetryAfterSeconds = 5;

    /// <summary>
    /// How long after this replica last found the store out of reach a record another replica could not write during the
    /// outage may still be missing (a session's handshake, saved by that replica's sweep every 5 s, a call of which may wait
    /// out the store's 5 s timeout; a pending call's route, recorded again every second), with room to spare. Within it,
    /// such a record not found is answered <c>state_unavailable</c> (<see cref="StateRecoveringException"/>), not as unknown.
    /// </summary>
    public static readonly TimeSpan Aftermath = TimeSpan.FromSeconds(20);

    private readonly Lock _gate = new();
    private long _refused;
    private long _reportedAt;
    private (string CorrelationId, Exception Exception)? _latest;
    private ITimer? _pending;
    private long _seenAt;

    /// <summary>Whether <paramref name="exception"/>, or one it wraps, is the store saying it is out of reach (noted when it is).</summary>
    public bool IsOutage(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is StateRecoveringException)
            {
                // Not noted: asking again after an outage must not make it last.
                return true;
            }

            if (store.IsUnavailable(current))
            {
                Volatile.Write(ref _seenAt, time.GetTimestamp());
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether this replica found the store out of reach within the last <paramref name="span"/>.</summary>
    public bool SeenWithin(TimeSpan span) => Volatile.Read(ref _seenAt) is var seen and not 0 && time.GetElapsedTime(seen) < span;

    /// <summary>Counts the refusal, reports it when the interval has passed (else once it has), and returns the answer.</summary>
    public GatewayError Refuse(Exception exception, string correlationId)
    {
        lock (_gate)
        {
            _refused++;
            _latest = (correlationId, exception);
            var now = time.GetTimestamp();
            if (_reportedAt == 0 || time.GetElapsedTime(_reportedAt, now) >= ReportEvery)
            {
                ReportLocked(now);
            }
            else
            {
                _pending ??= time.CreateTimer(_ => Flush(), null, ReportEvery - time.GetElapsedTime(_reportedAt, now), Timeout.InfiniteTimeSpan);
            }
        }

        return new GatewayError(ErrorCatalog.StateUnavailable, exception is StateRecoveringException
            ? "The gateway's state store was out of reach moments ago, and what this request continues may not be stored yet by the replica that holds it; retry shortly."
            : "The gateway cannot reach its state store right now, so it cannot check this call; retry shortly.")
        {
            RetryAfterSeconds = RetryAfterSeconds,
        };
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _pending?.Dispose();
            _pending = null;
        }
    }

    private void Flush()
    {
        lock (_gate)
        {
            if (_refused > 0)
            {
                ReportLocked(time.GetTimestamp());
            }
        }
    }

    private void ReportLocked(long now)
    {
        _pending?.Dispose();
        _pending = null;
        var (correlationId, exception) = _latest!.Value;
        Log.StateUnavailable(logger, store.Name, _refused, (int)ReportEvery.TotalSeconds, correlationId, LogText.Safe(exception.Message), exception);
        _refused = 0;
        _reportedAt = now;
        _latest = null;
    }
}
