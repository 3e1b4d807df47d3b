using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;

namespace Portcullis.LoadTest;

/// <summary>
/// How many methods a .NET process under test has JIT-compiled so far, read from its <c>System.Runtime</c> counters
/// over the diagnostics port every second. Under load a fresh process keeps recompiling its hot methods at higher
/// tiers for half a minute or more (on 2 busy cores the background compiler gets little time); it is warm once that
/// stops.
/// </summary>
internal sealed class JitWatch : IDisposable
{
    private readonly EventPipeSession _session;
    private readonly EventPipeEventSource _source;
    private long _compiled = -1;

    private JitWatch(EventPipeSession session)
    {
        _session = session;
        _source = new EventPipeEventSource(session.EventStream);
        _source.Dynamic.All += OnEvent;
        _ = Task.Run(() =>
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

    /// <summary>Watches process <paramref name="pid"/>, or null when it is not a .NET process (the Node peers).</summary>
    public static JitWatch? TryStart(int pid)
    {
        try
        {
            var provider = new EventPipeProvider("System.Runtime", EventLevel.Informational, 0,
                new Dictionary<string, string> { ["EventCounterIntervalSec"] = "1" });
            return new JitWatch(new DiagnosticsClient(pid).StartEventPipeSession(provider, requestRundown: false));
        }
        catch (Exception ex) when (ex is ServerNotAvailableException or DiagnosticsClientException or UnauthorizedAccessException or IOException)
        {
            return null;
        }
    }

    private void OnEvent(TraceEvent e)
    {
        if (e.EventName != "EventCounters" || e.PayloadValue(0) is not IDictionary<string, object> { } wrapper
            || wrapper.TryGetValue("Payload", out var inner) is false || inner is not IDictionary<string, object> payload
            || payload.TryGetValue("Name", out var name) is false || name as string != "methods-jitted-count")
        {
            return;
        }

        if (payload.TryGetValue("Mean", out var mean) && mean is double value)
        {
            Interlocked.Exchange(ref _compiled, (long)value);
        }
    }

    public void Dispose()
    {
        try
        {
            _session.Stop();
        }
        catch (Exception ex) when (ex is ServerNotAvailableException or IOException or TimeoutException)
        {
        }

        _session.Dispose();
        _source.Dispose();
    }
}
