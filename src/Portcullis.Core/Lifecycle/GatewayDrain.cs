namespace Portcullis.Core.Lifecycle;

/// <summary>
/// The shutdown drain. From <see cref="Begin"/> (SIGTERM) calls in flight have the drain time to finish; then
/// <see cref="Deadline"/> cancels the rest, which answer as cancelled by the gateway (a write then follows the
/// outcome-unknown rule). Every upstream request links this token.
/// </summary>
internal sealed class GatewayDrain(TimeProvider time) : IDisposable
{
    private readonly CancellationTokenSource _deadline = new();
    private ITimer? _timer;
    private int _inFlight;
    private volatile bool _draining;

    /// <summary>True from SIGTERM on.</summary>
    public bool IsDraining => _draining;

    /// <summary>Cancelled when the drain time is over.</summary>
    public CancellationToken Deadline => _deadline.Token;

    /// <summary>Calls and upstream requests running now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Counts one call in flight until the returned value is disposed.</summary>
    public InFlightCall Track()
    {
        Interlocked.Increment(ref _inFlight);
        return new InFlightCall(this);
    }

    /// <summary>Starts the drain: <see cref="Deadline"/> fires after <paramref name="drainTime"/> (at once for zero).</summary>
    public void Begin(TimeSpan drainTime)
    {
        if (_draining)
        {
            return;
        }

        _draining = true;
        if (drainTime <= TimeSpan.Zero)
        {
            _deadline.Cancel();
            return;
        }

        _timer = time.CreateTimer(static state => ((CancellationTokenSource)state!).Cancel(), _deadline, drainTime, Timeout.InfiniteTimeSpan);
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _deadline.Dispose();
    }

    private void End() => Interlocked.Decrement(ref _inFlight);

    /// <summary>One call counted in flight; disposing it ends the count.</summary>
    internal readonly struct InFlightCall(GatewayDrain drain) : IDisposable
    {
        public void Dispose() => drain.End();
    }
}
