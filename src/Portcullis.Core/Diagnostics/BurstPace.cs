namespace Portcullis.Core.Diagnostics;

/// <summary>
/// Paces one kind of repeated event that is worth reporting one by one while it is rare: within a window that opens
/// with the first event, the first <c>burst</c> events are admitted (their caller reports each), and the rest are
/// held and reported together when the window closes, in one summary carrying how many were held and the latest of
/// them. No held event waits for another to carry it: a timer reports them when the window closes, and
/// <see cref="Flush"/> (at stop) reports what is held at once.
/// </summary>
internal sealed class BurstPace<T>(int burst, TimeSpan window, TimeProvider time, Action<long, T> summary) : IDisposable
{
    private readonly Lock _gate = new();
    private bool _open;
    private bool _retired;
    private long _openedAt;
    private int _admitted;
    private long _held;
    private T _latest = default!;
    private ITimer? _timer;

    /// <summary>
    /// Whether this window's burst is spent: until the window closes, every further event is held. A hint, read without
    /// waiting for an event in flight.
    /// </summary>
    public bool Spent
    {
        get
        {
            lock (_gate)
            {
                return _open && _admitted >= burst && time.GetElapsedTime(_openedAt) < window;
            }
        }
    }

    /// <summary>
    /// Retires this pace when it is quiet (nothing held back and no window open), so that forgetting it renews no burst
    /// early and loses no held event: from then on it takes no event (<see cref="PaceVerdict.Retired"/>). False, and
    /// nothing changes, when it is not quiet.
    /// </summary>
    public bool TryRetire()
    {
        lock (_gate)
        {
            if (_retired || _held != 0 || (_open && time.GetElapsedTime(_openedAt) < window))
            {
                return false;
            }

            _retired = true;
            return true;
        }
    }

    /// <summary>
    /// Counts one event: admitted when it is within its window's burst and its caller reports it; held for the window's
    /// summary otherwise; refused as retired when this pace was. A window closed but not yet reported by its timer is
    /// reported first.
    /// </summary>
    public PaceVerdict Admit(T e)
    {
        bool admitted;
        long closed = 0;
        T closedLatest = default!;
        lock (_gate)
        {
            if (_retired)
            {
                return PaceVerdict.Retired;
            }

            var now = time.GetTimestamp();
            if (!_open || time.GetElapsedTime(_openedAt, now) >= window)
            {
                closedLatest = _latest;
                closed = Take();
                _open = true;
                _openedAt = now;
                _admitted = 0;
            }

            admitted = _admitted < burst;
            if (admitted)
            {
                _admitted++;
            }
            else
            {
                _held++;
                _latest = e;
                _timer ??= time.CreateTimer(static state => ((BurstPace<T>)state!).Flush(), this, window - time.GetElapsedTime(_openedAt, now), Timeout.InfiniteTimeSpan);
            }
        }

        if (closed > 0)
        {
            summary(closed, closedLatest);
        }

        return admitted ? PaceVerdict.Admitted : PaceVerdict.Held;
    }

    /// <summary>Reports the events held back, due or not (the timer's report, and at stop); nothing when none is held.</summary>
    public void Flush()
    {
        long count;
        T latest;
        lock (_gate)
        {
            latest = _latest;
            count = Take();
        }

        if (count > 0)
        {
            summary(count, latest);
        }
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

    private long Take()
    {
        _timer?.Dispose();
        _timer = null;
        var count = _held;
        _held = 0;
        _latest = default!;
        return count;
    }
}
