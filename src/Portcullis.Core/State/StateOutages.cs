using Microsoft.Extensions.Logging;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Errors;

namespace Portcullis.Core.State;

/// <summary>
/// What a failure of the state store means for the request it hit: when the store says it is an outage (it cannot be
/// reached or did not answer, <see cref="IStateStore.IsUnavailable"/>), the answer is <c>state_unavailable</c>,
/// retryable, and the log says so at most once per <see cref="ReportEvery"/> with how many requests it refused since
/// (under load an outage would otherwise add a warning per call to each call's own line). Anything else stays a defect.
/// </summary>
public sealed class StateOutages(IStateStore store, TimeProvider time, ILogger<StateOutages> logger)
{
    public static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(10);

    /// <summary>What the caller is told to wait before retrying.</summary>
    public const int RetryAfterSeconds = 5;

    private long _refused;
    private long _reportedAt;

    /// <summary>Whether <paramref name="exception"/>, or one it wraps, is the store saying it is out of reach.</summary>
    public bool IsOutage(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (store.IsUnavailable(current))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Counts the refusal, reports it when the interval has passed, and returns the answer.</summary>
    public GatewayError Refuse(Exception exception, string correlationId)
    {
        Interlocked.Increment(ref _refused);
        var now = time.GetTimestamp();
        var last = Volatile.Read(ref _reportedAt);
        if ((last == 0 || time.GetElapsedTime(last, now) >= ReportEvery) && Interlocked.CompareExchange(ref _reportedAt, now, last) == last)
        {
            Log.StateUnavailable(logger, store.Name, Interlocked.Exchange(ref _refused, 0), (int)ReportEvery.TotalSeconds, correlationId,
                LogText.Safe(exception.Message), exception);
        }

        return new GatewayError(ErrorCatalog.StateUnavailable,
            "The gateway cannot reach its state store right now, so it cannot check this call; retry shortly.")
        {
            RetryAfterSeconds = RetryAfterSeconds,
        };
    }
}
