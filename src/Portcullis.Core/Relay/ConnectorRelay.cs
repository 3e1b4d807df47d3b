using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Relay;

/// <summary>
/// Correlates one connector's shared upstream client with the downstream clients using it: which calls are
/// in flight, which sessions are open, who subscribed to what.
/// </summary>
/// <remarks>
/// Progress is correlated exactly: every upstream request carries a progress token of the gateway's own.
/// Requests the upstream makes of the client (sampling, elicitation, roots) and its log messages carry no
/// such link in the protocol. They go to the call on whose async flow the SDK raises them (multi round-trip
/// requests), else to the one downstream session that has calls in flight; when calls of several sessions
/// are in flight the gateway cannot tell whose question it is and refuses it rather than ask the wrong person.
/// </remarks>
internal sealed partial class ConnectorRelay(string connector, TimeProvider time, ILogger logger, SessionLogLevels? levels = null)
{
    /// <summary>
    /// How long an ended call still counts when a log message is attributed: servers often log just after answering,
    /// and such a line belongs to the call that ended, not to another caller's call still in flight. Only another
    /// caller's (principal's) call counts: clients of one caller following each other closely keep their log lines.
    /// Questions (sampling, elicitation, roots) are asked within a call, so only calls in flight count for them.
    /// </summary>
    internal static readonly TimeSpan EndedCallWindow = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a call given up before its answer (timed out, cancelled, its caller gone) still counts for log messages:
    /// the upstream may still be working on it, and what it logs is that caller's.
    /// </summary>
    internal static readonly TimeSpan AbandonedCallWindow = TimeSpan.FromSeconds(30);

    /// <summary>Past this many callers with ended calls still counting, each ended call prunes those no longer counting.</summary>
    private const int PruneAbove = 64;

    private static readonly AsyncLocal<RelayCall?> CurrentCall = new();

    /// <summary>
    /// Per caller (principal): until when its ended calls still count for log messages (UTC ticks). One entry a caller,
    /// however many calls it ends: a busy caller cannot push another's ended call out.
    /// </summary>
    private readonly ConcurrentDictionary<string, long> _ended = new(StringComparer.Ordinal);

    private readonly ConcurrentDictionary<string, RelayCall> _calls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<McpServer, DownstreamSession> _sessions = new();
    private readonly MalformedNotifications _malformed = new(connector, time, logger);
    private readonly UnattributedQuestions _unattributed = new(connector, time, logger);

    // The gateway's progress tokens for the upstream: unique per relay by the sequence, and per process by the
    // prefix, drawn once (a fresh GUID per call would read /dev/urandom with a system call for every call). The
    // upstream sees every token of this connector's calls anyway; knowing the next one gives it nothing more.
    private readonly string _tokenPrefix = "portcullis-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)) + "-";
    private long _sequence;

    public string Connector => connector;

    /// <summary>Where sessions' logging levels are kept for every replica; null without a state store (a lint's catalog read).</summary>
    internal SessionLogLevels? Levels => levels;

    /// <summary>
    /// Registers a downstream request that is about to be forwarded; dispose when it completes. <paramref name="cancellation"/>
    /// is the token the upstream request is sent with: cancelled before the answer, the call was given up.
    /// </summary>
    public RelayCall Begin(McpServer downstream, string callerKey, ProgressToken? downstreamProgressToken, CallLogging logging, CancellationToken cancellation = default)
    {
        var sequence = Interlocked.Increment(ref _sequence);
        var call = new RelayCall(this, downstream, callerKey, downstreamProgressToken, logging, _tokenPrefix + sequence.ToString(CultureInfo.InvariantCulture), sequence, cancellation);
        _calls[call.UpstreamProgressToken] = call;
        CurrentCall.Value = call;
        return call;
    }

    internal void End(RelayCall call)
    {
        _calls.TryRemove(call.UpstreamProgressToken, out _);
        var now = time.GetUtcNow().UtcTicks;
        var counts = now + (call.Abandoned ? AbandonedCallWindow : EndedCallWindow).Ticks;
        // Static lambdas with the value as argument: nothing is allocated on a call's path.
        _ended.AddOrUpdate(call.CallerKey, static (_, until) => until, static (_, was, until) => Math.Max(was, until), counts);
        if (_ended.Count > PruneAbove)
        {
            foreach (var (callerKey, until) in _ended)
            {
                if (until <= now)
                {
                    _ended.TryRemove(KeyValuePair.Create(callerKey, until));
                }
            }
        }

        if (call.Dropped > 0)
        {
            Log.RelayClientTooSlow(logger, connector, call.Dropped, RelayCall.MaxQueued);
        }

        if (ReferenceEquals(CurrentCall.Value, call))
        {
            CurrentCall.Value = null;
        }
    }

    /// <summary>Tracks a downstream session (stateful transports only) until <see cref="Close"/>.</summary>
    public DownstreamSession Open(McpServer session)
    {
        var state = new DownstreamSession(session);
        _sessions[session] = state;
        return state;
    }

    public void Close(McpServer session)
    {
        if (_sessions.TryRemove(session, out var closed) && closed.DroppedNotifications > 0)
        {
            Log.RelaySessionDropped(logger, connector, session.SessionId ?? "-", closed.DroppedNotifications);
        }
    }

    public bool TryGetSession(string? sessionId, out DownstreamSession session)
    {
        foreach (var candidate in _sessions.Values)
        {
            if (sessionId is not null && string.Equals(candidate.Server.SessionId, sessionId, StringComparison.Ordinal))
            {
                session = candidate;
                return true;
            }
        }

        session = null!;
        return false;
    }

    public IEnumerable<DownstreamSession> Sessions => _sessions.Values;

    /// <summary>The lowest (most verbose) logging level any open session asked for.</summary>
    public LoggingLevel? MostVerboseLevel() =>
        _sessions.Values.Select(s => s.Server.LoggingLevel).Where(l => l is not null).Min();

    /// <summary>
    /// The call a message from the upstream that names no request belongs to, if it can be told: the call on whose flow it
    /// came, else the newest call in flight when every call in flight is of one session; for a log message
    /// (<paramref name="isLog"/>) also only when no ended call of another caller still counts (<see cref="EndedCallWindow"/>,
    /// <see cref="AbandonedCallWindow"/>).
    /// </summary>
    public RelayCall? Attribute(bool isLog = false)
    {
        if (CurrentCall.Value is { } current && _calls.ContainsKey(current.UpstreamProgressToken))
        {
            return current;
        }

        RelayCall? latest = null;
        foreach (var call in _calls.Values)
        {
            if (latest is not null && !Equals(latest.SessionKey, call.SessionKey))
            {
                return null;
            }

            if (latest is null || call.Sequence > latest.Sequence)
            {
                latest = call;
            }
        }

        return latest is not null && isLog && EndedRecentlyForAnother(latest) ? null : latest;
    }

    /// <summary>Whether an ended call of another caller (principal) still counts: a log line the upstream sends now may be its.</summary>
    private bool EndedRecentlyForAnother(RelayCall call)
    {
        var now = time.GetUtcNow().UtcTicks;
        foreach (var (callerKey, until) in _ended)
        {
            if (until > now && !string.Equals(callerKey, call.CallerKey, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    public bool TryGetCall(string upstreamProgressToken, out RelayCall call) => _calls.TryGetValue(upstreamProgressToken, out call!);
}
