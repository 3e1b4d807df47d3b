using System.Runtime.InteropServices;
using System.Threading.RateLimiting;

namespace Portcullis.Core.RateLimiting;

/// <summary>
/// A fixed window per principal counted in this process, by the same rules as the shared stores' limiters: a window
/// starts at a principal's first call, a call is let through while the window's count is within the limit, and a
/// refused call learns the time left in its window.
/// </summary>
/// <remarks>
/// System.Threading.RateLimiting's fixed window was the first choice; its refused leases give the whole window as
/// Retry-After whatever is left of it, and its windows run on a timer of their own rather than on
/// <see cref="TimeProvider"/>. Ended windows are forgotten when a call comes, at most once a window.
/// </remarks>
internal sealed class InProcessFixedWindowLimiter : PartitionedRateLimiter<string>
{
    private readonly TimeProvider _time;
    private readonly int _permits;
    private readonly long _window;
    private readonly Dictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private long _nextSweep;

    public InProcessFixedWindowLimiter(TimeProvider time, int permits, TimeSpan window)
    {
        _time = time;
        _permits = permits;
        _window = (long)(window.TotalSeconds * time.TimestampFrequency);
    }

    public override RateLimiterStatistics? GetStatistics(string resource) => null;

    protected override RateLimitLease AttemptAcquireCore(string resource, int permitCount)
    {
        if (permitCount == 0)
        {
            return FixedWindowLease.Granted;
        }

        var now = _time.GetTimestamp();
        lock (_lock)
        {
            Sweep(now);
            ref var window = ref CollectionsMarshal.GetValueRefOrAddDefault(_windows, resource, out var exists);
            if (!exists || window.End <= now)
            {
                window = new Window(now + _window, 0);
            }

            if (window.Count + permitCount > _permits)
            {
                return FixedWindowLease.Refused(_time.GetElapsedTime(now, window.End));
            }

            window.Count += permitCount;
            return FixedWindowLease.Granted;
        }
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(string resource, int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(resource, permitCount));

    private void Sweep(long now)
    {
        if (now < _nextSweep)
        {
            return;
        }

        foreach (var (principal, window) in _windows)
        {
            if (window.End <= now)
            {
                _windows.Remove(principal);
            }
        }

        _nextSweep = now + _window;
    }

    private struct Window(long end, int count)
    {
        public long End = end;
        public int Count = count;
    }
}
