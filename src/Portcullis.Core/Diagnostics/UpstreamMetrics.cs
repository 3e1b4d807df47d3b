using System.Diagnostics.Metrics;
using Portcullis.Core.Connectors;
using Portcullis.Core.Upstreams;

namespace Portcullis.Core.Diagnostics;

/// <summary><c>portcullis.upstream.up</c>: 1 per connector whose upstream is connected, else 0.</summary>
internal sealed class UpstreamMetrics
{
    public UpstreamMetrics(GatewayTelemetry telemetry, ConnectorRegistry connectors) =>
        telemetry.Meter.CreateObservableGauge(
            "portcullis.upstream.up",
            () => connectors.All.Select(c => new Measurement<int>(c.Status.State == UpstreamState.Connected ? 1 : 0, new KeyValuePair<string, object?>("connector", c.Name))),
            "{upstream}",
            "1 while the connector's upstream is connected, 0 while it is starting, restarting or stopped.");
}
