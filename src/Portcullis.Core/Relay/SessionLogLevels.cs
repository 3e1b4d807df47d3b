using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Sessions;
using Portcullis.Core.State;

namespace Portcullis.Core.Relay;

/// <summary>
/// The logging level each 2025-11-25 session's client asked for, kept with the session in the state store: the client
/// asks once, on whichever replica its <c>logging/setLevel</c> reaches, and its calls run on any replica (or on the same
/// gateway after a restart). Read once a call, when the upstream first logs during it.
/// </summary>
/// <remarks>
/// A level the store did not take (it did not answer, or holds no handshake for the session yet) is kept here and applies
/// on this replica, the one asked, until a later one is stored; the other replicas keep what the store held. A read that
/// fails or takes longer than <see cref="ReadTimeout"/> leaves the call to this replica's own view.
/// </remarks>
internal sealed class SessionLogLevels(ISessionStore sessions, StateClock clock, TimeProvider time, ILogger<SessionLogLevels> logger)
{
    /// <summary>At most this many levels the store did not take are kept; past it, one more applies only through the MCP layer's own.</summary>
    public const int UnstoredCapacity = 10_000;

    /// <summary>How long a record may take: past it, the level stays where it was asked.</summary>
    private static readonly TimeSpan RecordTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long a read may take: well within the time a call's answer waits for its log messages to go out first.</summary>
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(1);

    /// <summary>How often a failing read is logged at most: during an outage each call that logs would add a warning.</summary>
    private static readonly TimeSpan ReportEvery = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, LoggingLevel> _unstored = new(StringComparer.Ordinal);
    private long _readFailureReportedAt;

    /// <summary>Keeps <paramref name="level"/> as the session's; what the store does not take is kept here (a failure is logged, not thrown).</summary>
    public async ValueTask RecordAsync(string sessionId, LoggingLevel level, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(RecordTimeout, time);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            if (await sessions.SetLogLevelAsync(sessionId, Name(level), clock.GetUtcNow(), bounded.Token).ConfigureAwait(false))
            {
                _unstored.TryRemove(sessionId, out _);
                return;
            }

            KeepUnstored(sessionId, level);
            Log.SessionLogLevelNotKept(logger, LogText.Safe(sessionId), "the store holds no handshake for the session yet", null);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            KeepUnstored(sessionId, level);
            Log.SessionLogLevelNotKept(logger, LogText.Safe(sessionId), "the store did not take it", ex);
        }
    }

    /// <summary>
    /// The level the session's client last asked for: one the store did not take on this replica, else the one stored,
    /// else <paramref name="local"/> (also when the store does not answer in time). Runs off the caller's thread: the
    /// caller is the upstream's reader, which no store round trip may hold up.
    /// </summary>
    public Task<LoggingLevel?> ReadAsync(string sessionId, LoggingLevel? local, CancellationToken cancellationToken) =>
        _unstored.TryGetValue(sessionId, out var unstored)
            ? Task.FromResult<LoggingLevel?>(unstored)
            : Task.Run(() => ReadStoredAsync(sessionId, local, cancellationToken), CancellationToken.None);

    private async Task<LoggingLevel?> ReadStoredAsync(string sessionId, LoggingLevel? local, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(ReadTimeout, time);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            var record = await sessions.GetAsync(sessionId, clock.GetUtcNow(), bounded.Token).ConfigureAwait(false);
            return record?.LogLevel is { } name && Enum.TryParse<LoggingLevel>(name, ignoreCase: true, out var level) && Enum.IsDefined(level) ? level : local;
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // The call ended meanwhile: whatever the store answered, nothing of it is still to be sent.
            return local;
        }
        catch (Exception ex)
        {
            var now = time.GetTimestamp();
            var reported = Interlocked.Read(ref _readFailureReportedAt);
            if ((reported == 0 || time.GetElapsedTime(reported, now) >= ReportEvery) && Interlocked.CompareExchange(ref _readFailureReportedAt, now, reported) == reported)
            {
                Log.SessionLogLevelNotRead(logger, LogText.Safe(sessionId), ReportEvery.TotalSeconds, ex);
            }

            return local;
        }
    }

    private void KeepUnstored(string sessionId, LoggingLevel level)
    {
        if (_unstored.Count < UnstoredCapacity || _unstored.ContainsKey(sessionId))
        {
            _unstored[sessionId] = level;
        }
    }

    /// <summary>The level's name on the wire (<c>debug</c> … <c>emergency</c>).</summary>
    private static string Name(LoggingLevel level) => level.ToString().ToLowerInvariant();
}
