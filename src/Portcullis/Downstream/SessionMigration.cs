using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ModelContextProtocol;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Configuration;
using Portcullis.Core.Security;
using Portcullis.Core.Sessions;
using Portcullis.Core.State;
using Portcullis.Diagnostics;
using Portcullis.Refusals;
using Portcullis.Security;

namespace Portcullis.Downstream;

/// <summary>
/// The SDK's session-migration hook: a 2025-11-25 session's handshake is kept in the state store, bound to the
/// connector it was opened on and the principal who opened it, so the session continues on whichever replica its
/// next request reaches. Any other connector or principal finds no session (404), as on the replica that holds it, and
/// so does everyone once its client ended it.
/// </summary>
/// <remarks>
/// A session continued here counts against its principal's <c>limits.max_sessions_per_principal</c> on this replica like
/// one opened here: it reserves a slot before the MCP layer starts it, and when none is left it is not continued
/// (404, so its client opens a new session, which is refused with <c>rate_limited</c> until one of its sessions ends).
/// A session not in the store, asked for within <see cref="StateOutages.Aftermath"/> of this replica finding the store out of
/// reach, is not answered 404 but <c>state_unavailable</c>: it may have been opened on another replica during the outage,
/// and be stored only at that replica's next sweep.
/// </remarks>
internal sealed class SessionMigration(
    ISessionStore sessions, UnsavedHandshakes unsaved, SessionOwners owners, GatewayConfig config, SessionLimitRefusals limits, StateClock clock, StateOutages outages,
    TimeProvider time, ILogger<SessionMigration> logger)
    : ISessionMigrationHandler
{
    private static readonly JsonTypeInfo<InitializeRequestParams> ParamsType =
        (JsonTypeInfo<InitializeRequestParams>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(InitializeRequestParams));

    public async ValueTask OnSessionInitializedAsync(HttpContext context, string sessionId, InitializeRequestParams initializeParams, CancellationToken cancellationToken)
    {
        if (context.GetRouteValue("server") is not string connector)
        {
            return;
        }

        var now = clock.GetUtcNow();
        var record = new SessionRecord(sessionId, connector, CallerIdentities.From(context.User).Key, JsonSerializer.Serialize(initializeParams, ParamsType), now + SessionRecord.Lifetime);
        try
        {
            await sessions.SaveAsync(record, now, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The session works on this replica; it continues elsewhere once the sweep has saved the handshake.
            GatewayLog.SessionSaveFailed(logger, sessionId, unsaved.Add(record, time), ex);
        }
    }

    public async ValueTask<InitializeRequestParams?> AllowSessionMigrationAsync(HttpContext context, string sessionId, CancellationToken cancellationToken)
    {
        if (context.GetRouteValue("server") is not string connector)
        {
            return null;
        }

        var now = clock.GetUtcNow();
        var record = await sessions.GetAsync(sessionId, now, cancellationToken);
        if (record is null)
        {
            return outages.SeenWithin(StateOutages.Aftermath)
                ? throw new StateRecoveringException($"no handshake stored for the session, within {StateOutages.Aftermath.TotalSeconds:F0} s of an outage of the store")
                : null;
        }

        if (record.Ended)
        {
            GatewayLog.SessionEndedNotContinued(logger, sessionId, connector);
            return null;
        }

        if (!string.Equals(record.Connector, connector, StringComparison.Ordinal))
        {
            GatewayLog.SessionMigrationRefused(logger, sessionId, connector, "it was opened on another connector");
            return null;
        }

        var caller = CallerIdentities.From(context.User);
        if (!string.Equals(record.Principal, caller.Key, StringComparison.Ordinal))
        {
            GatewayLog.SessionMigrationRefused(logger, sessionId, connector, "it belongs to another principal");
            return null;
        }

        // Given back by SessionCapMiddleware when the session does not start after all (the renewal below fails).
        if (owners.TryReserve(caller.Key, config.Limits.MaxSessionsPerPrincipal) is not { } slot)
        {
            limits.MigrationRefused(context, caller, owners.Count(caller.Key), sessionId);
            return null;
        }

        context.Features.Set(slot);

        await sessions.SaveAsync(record with { ExpiresAt = now + SessionRecord.Lifetime }, now, cancellationToken);
        GatewayLog.SessionMigrated(logger, sessionId, connector);
        return JsonSerializer.Deserialize(record.InitializeParamsJson, ParamsType);
    }

    /// <summary>
    /// Marks a session its own principal ended (HTTP DELETE), wherever the request landed: it continues nowhere, and
    /// the replicas that hold it end it at their next sweep (<see cref="Hosting.SessionSweepService"/>).
    /// </summary>
    public async ValueTask EndAsync(HttpContext context, string sessionId, CancellationToken cancellationToken)
    {
        if (unsaved.TryGet(sessionId, out var handshake))
        {
            // Never stored: it is stored now, ended, so no save that read it before (the sweep's) can bring it back.
            if (Owns(context, handshake) && unsaved.TryRemove(sessionId, out _))
            {
                var now = clock.GetUtcNow();
                await sessions.SaveAsync(handshake with { ExpiresAt = now + SessionRecord.Lifetime }, now, cancellationToken);
                await sessions.EndAsync(sessionId, now, cancellationToken);
            }

            return;
        }

        var record = await sessions.GetAsync(sessionId, clock.GetUtcNow(), cancellationToken);
        if (record is not null && Owns(context, record))
        {
            await sessions.EndAsync(sessionId, clock.GetUtcNow(), cancellationToken);
        }
    }

    /// <summary>Whether the request comes from the session's own principal, on its own connector.</summary>
    private static bool Owns(HttpContext context, SessionRecord record) =>
        context.GetRouteValue("server") is string connector
        && string.Equals(record.Connector, connector, StringComparison.Ordinal)
        && string.Equals(record.Principal, CallerIdentities.From(context.User).Key, StringComparison.Ordinal);
}
