namespace Portcullis.Core.Upstreams;

/// <summary>
/// A run that carries no data of its own, asked for by an upstream's announcement (a <c>list_changed</c> passed on to
/// clients, or a refresh of the connector's tool list): one runs at a time, runs are at least <paramref name="spacing"/>
/// apart, and requests that come while one runs or waits are answered together by one more run. An upstream announcing
/// a change ten thousand times in a burst costs a few runs, not ten thousand, and the last one always follows the last
/// announcement.
/// </summary>
internal sealed class CoalescedSend(Func<CancellationToken, ValueTask> send, TimeSpan spacing, TimeProvider time)
{
    private const int Idle = 0;
    private const int Running = 1;
    private const int RunningAndWantedAgain = 2;

    private int _state;

    public async ValueTask RequestAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            switch (Interlocked.CompareExchange(ref _state, Running, Idle))
            {
                case Idle:
                    break;
                case Running when Interlocked.CompareExchange(ref _state, RunningAndWantedAgain, Running) != Running:
                    continue;
                default:
                    // The run in progress is asked to run once more after it: that run covers this request.
                    return;
            }

            break;
        }

        try
        {
            while (true)
            {
                await send(cancellationToken).ConfigureAwait(false);
                if (spacing > TimeSpan.Zero)
                {
                    // The runner holds on through the pause after every run, the last too: requests during it are
                    // answered by one run after it, and one that comes later still finds the last run spacing ago.
                    await Task.Delay(spacing, time, cancellationToken).ConfigureAwait(false);
                }

                // Only the runner moves the state down, so a request in between has left it at "wanted again".
                if (Interlocked.CompareExchange(ref _state, Idle, Running) == Running)
                {
                    return;
                }

                Volatile.Write(ref _state, Running);
            }
        }
        catch
        {
            Volatile.Write(ref _state, Idle);
            throw;
        }
    }
}
