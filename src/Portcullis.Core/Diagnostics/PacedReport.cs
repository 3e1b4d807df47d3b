namespace Portcullis.Core.Diagnostics;

/// <summary>
/// Paces the log line of one kind of repeated event, so that a flood of them cannot flood the log: the first event is
/// reported at once, later ones at most once per interval, in one report carrying how many came since the last report
/// and the latest of them. No event waits for another to carry it: while some are held back a timer reports them once
/// the interval has passed, and <see cref="Flush"/> reports what is held at once (<see cref="Stop"/>, at stop, and each
/// later event at once too).
/// </summary>
internal sealed class PacedReport<T>(TimeSpan interval, TimeProvider time, Action<long, T> report) : IDisposable
{
    private readonly Lock _gate = new();
    private bool _reported;
    private bool _stopped;
    private long _reportedAt;
    private long _held;
    private T _latest = default!;
    private ITimer? _timer;

    /// <summary>Nothing held back, and no report within the interval: forgetting this one would renew no budget early.</summary>
    public bool Quiet
    {
        get
        {
            lock (_gate)
            {
                return _held == 0 && (!_reported || time.GetElapsedTime(_reportedAt) >= interval);
            }
        }
    }

    /// <summary>Counts one event: reported now when a report is due, otherwise held for the next report.</summary>
    public void Add(T e)
    {
        long count;
        lock (_gate)
        {
            _held++;
            _latest = e;
            var now = time.GetTimestamp();
            var since = _reported ? time.GetElapsedTime(_reportedAt, now) : interval;
            if (since < interval && !_stopped)
            {
                _timer ??= time.CreateTimer(static state => ((PacedReport<T>)state!).Flush(), this, interval - since, Timeout.InfiniteTimeSpan);
                return;
            }

            count = Take(now);
        }

        report(count, e);
    }

    /// <summary>
    /// At stop: reports what is held at once, and from then on each event as it comes, so that none is held where only
    /// a timer the process will not outlive could report it.
    /// </summary>
    public void Stop()
    {
        lock (_gate)
        {
            _stopped = true;
        }

        Flush();
    }

    /// <summary>Reports the events held back, due or not (the timer's report, and at stop); nothing when none is held.</summary>
    public void Flush()
    {
        long count;
        T latest;
        lock (_gate)
        {
            if (_held == 0)
            {
                return;
            }

            latest = _latest;
            count = Take(time.GetTimestamp());
        }

        report(count, latest);
    }

    /// <summary>Stops the timer without reporting: what is held is reported only by <see cref="Flush"/>.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _timer?.Dispose();
            _timer = null;
        }
    }

    private long Take(long now)
    {
        _timer?.Dispose();
        _timer = null;
        var count = _held;
        _held = 0;
        _latest = default!;
        _reported = true;
        _reportedAt = now;
        return count;
    }
}
