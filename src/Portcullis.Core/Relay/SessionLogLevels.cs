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
/// A store that does not answer costs only the level's reach: the replica that was asked applies it itself (the MCP
/// layer keeps it on that replica's session), and a call elsewhere uses that replica's own view, as with one gateway.
/// </remarks>
internal sealed class SessionLogLevels(ISessionStore sessions, StateClock clock, ILogger<SessionLogLevels> logger)
{
    /// <summary>How long a record or a read may take: past it, the level stays where it was asked.</summary>
    private static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Keeps <paramref name="level"/> as the session's; a failure is logged, not thrown.</summary>
    public async ValueTask RecordAsync(string sessionId, LoggingLevel level, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(StoreTimeout);
        try
        {
            await sessions.SetLogLevelAsync(sessionId, Name(level), clock.GetUtcNow(), bounded.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Log.SessionLogLevelNotKept(logger, LogText.Safe(sessionId), ex);
        }
    }

    /// <summary>The level the session's client last asked for on any replica; <paramref name="local"/> when none is kept or the store does not answer.</summary>
    public async Task<LoggingLevel?> ReadAsync(string sessionId, LoggingLevel? local, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(StoreTimeout);
        try
        {
            var record = await sessions.GetAsync(sessionId, clock.GetUtcNow(), bounded.Token).ConfigureAwait(false);
            return record?.LogLevel is { } name && Enum.TryParse<LoggingLevel>(name, ignoreCase: true, out var level) && Enum.IsDefined(level) ? level : local;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Log.SessionLogLevelNotRead(logger, LogText.Safe(sessionId), ex);
            return local;
        }
    }

    /// <summary>The level's name on the wire (<c>debug</c> … <c>emergency</c>).</summary>
    private static string Name(LoggingLevel level) => level.ToString().ToLowerInvariant();
}
