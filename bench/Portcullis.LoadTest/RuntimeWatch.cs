using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;

namespace Portcullis.LoadTest;

/// <summary>
/// A .NET process under test as its <c>System.Runtime</c> counters tell it, over the diagnostics port every second:
/// how many methods it has JIT-compiled so far (under load a fresh process keeps recompiling its hot methods at higher
/// tiers for half a minute or more, as on 2 busy cores the background compiler gets little time; it is warm once that
/// stops), and how many bytes it allocates (what every call costs the garbage collector, a figure that does not depend
/// on what a CPU second buys on a shared machine).
/// </summary>
internal sealed class RuntimeWatch : IDisposable
{
    private readonly EventPipeSession _session;
    private readonly EventPipeEventSource _source;
    private readonly Task _reading;
    private readonly Lock _gate = new();
    private long _compiled = -1;
    private double _allocatedBytes;
    private double _allocationSeconds;

    private RuntimeWatch(EventPipeSession session, EventPipeEventSource source)
    {
        _session = session;
        _source = source;
        _source.Dynamic.All += OnEvent;
        _reading = Task.Run(() =>
        {
            try
            {
                _source.Process();
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
            {
                // The process or the session ended.
            }
        });
    }

    /// <summary>Methods compiled so far (every tier), or -1 before the first report.</summary>
    public long Compiled => Interlocked.Read(ref _compiled);

    /// <summary>
    /// Bytes allocated, and the seconds they were counted over, in the reports received so far. A window's allocation rate
    /// is the difference of two readings (bytes over seconds): each report covers a whole interval, so the rate is exact
    /// for the intervals counted, which start and end within a second of the window's.
    /// </summary>
    public (double Bytes, double Seconds) Allocated
    {
        get
        {
            lock (_gate)
            {
                return (_allocatedBytes, _allocationSeconds);
            }
        }
    }

    /// <summary>Watches process <paramref name="pid"/>, or null when it is not a .NET process (the Node peers).</summary>
    public static RuntimeWatch? TryStart(int pid)
    {
        EventPipeSession? session = null;
        try
        {
            var provider = new EventPipeProvider("System.Runtime", EventLevel.Informational, 0,
                new Dictionary<string, string> { ["EventCounterIntervalSec"] = "1" });
            session = new DiagnosticsClient(pid).StartEventPipeSession(provider, requestRundown: false);
            return new RuntimeWatch(session, new EventPipeEventSource(session.EventStream));
        }
        catch (Exception ex) when (ex is DiagnosticsClientException or UnauthorizedAccessException or IOException or TimeoutException)
        {
            // Not a .NET process (ServerNotAvailableException is a DiagnosticsClientException), or it went away.
            if (session is not null)
            {
                Stop(session);
                session.Dispose();
            }

            return null;
        }
    }

    private void OnEvent(TraceEvent e)
    {
        if (e.EventName != "EventCounters" || e.PayloadValue(0) is not IDictionary<string, object> { } wrapper
            || wrapper.TryGetValue("Payload", out var inner) is false || inner is not IDictionary<string, object> payload
            || payload.TryGetValue("Name", out var name) is false)
        {
            return;
        }

        switch (name as string)
        {
            case "methods-jitted-count" when payload.TryGetValue("Mean", out var mean) && mean is double value:
                Interlocked.Exchange(ref _compiled, (long)value);
                break;
            case "alloc-rate" when payload.TryGetValue("Increment", out var increment) && increment is double bytes
                && payload.TryGetValue("IntervalSec", out var interval) && interval is float or double:
                lock (_gate)
                {
                    _allocatedBytes += bytes;
                    _allocationSeconds += Convert.ToDouble(interval, System.Globalization.CultureInfo.InvariantCulture);
                }

                break;
        }
    }

    public void Dispose()
    {
        Stop(_session);
        // Stopping ends the stream, so the reader finishes; it gets a few seconds before its source goes.
        _reading.Wait(TimeSpan.FromSeconds(5));
        _session.Dispose();
        _source.Dispose();
    }

    private static void Stop(EventPipeSession session)
    {
        try
        {
            session.Stop();
        }
        catch (Exception ex) when (ex is DiagnosticsClientException or IOException or TimeoutException or ObjectDisposedException)
        {
            // The process already ended: nothing to stop.
        }
    }
}
