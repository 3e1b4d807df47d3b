using Portcullis.Core.Audit;
using Portcullis.Core.Configuration;

namespace Portcullis.Hosting;

/// <summary>
/// The one start-up gate: everything that must hold before the gateway listens (the MCP listener and the admin plane
/// alike). The audit trail records the configuration and follows the catalogs from their first build; the state
/// store is ready (schema, clock, this replica's abandoned claims settled) and every upstream has had its first
/// attempt, both at once, so a starting replica refuses connections — which a load balancer passes to another
/// replica — instead of answering from a store or a catalog it does not know yet.
/// </summary>
internal sealed class StartupGate(
    UpstreamHostedService upstreams, StateStartupService state, DecisionRecorder recorder, CatalogAuditor catalogs, Core.Pins.PinReloader pins,
    Core.Relay.Passthrough passthrough, Core.Connectors.ConnectorRegistry connectors, GatewayConfig config)
{
    /// <summary>Runs the gate; returns the configuration errors that refuse the start, empty when the gateway may listen.</summary>
    public async Task<IReadOnlyList<ConfigError>> PassAsync(CancellationToken cancellationToken)
    {
        recorder.Administrative(recorder.Event(AuditKinds.ConfigLoaded, AuditDecisions.Recorded) with
        {
            Detail = $"sha256 {config.SourceSha256}; {config.Connectors.Count} connector(s): {string.Join(", ", config.Connectors.Select(c => c.Server))}",
            Resource = config.Source,
        });
        catalogs.Start();
        // Before any upstream connects: no update of a resource reaches a client before its pin is checked.
        passthrough.GuardUpdates(connectors.All);
        pins.Start();
        using var refusing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var stateReady = state.ReadyAsync(refusing.Token);
        var refused = await upstreams.StartUpstreamsAsync(cancellationToken);
        if (refused.Count == 0)
        {
            return await stateReady is { } stateRefused ? [stateRefused] : refused;
        }

        // Refused anyway: no need to wait for a store that may not be there.
        await refusing.CancelAsync();
        try
        {
            await stateReady;
        }
        catch (OperationCanceledException)
        {
        }

        return refused;
    }
}
