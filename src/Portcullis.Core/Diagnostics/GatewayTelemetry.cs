using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Portcullis.Core.Diagnostics;

/// <summary>The gateway's metrics and traces, named <c>Portcullis</c> for OpenTelemetry to collect.</summary>
internal sealed class GatewayTelemetry : IDisposable
{
    public const string Name = "Portcullis";

    private readonly Meter _meter;

    public GatewayTelemetry(IMeterFactory meters)
    {
        _meter = meters.Create(Name);
        Calls = _meter.CreateCounter<long>("portcullis.tool_calls", "{call}", "tools/call requests by connector, tool and outcome.");
        Duration = _meter.CreateHistogram<double>("portcullis.tool_call.duration", "ms", "Time from the gateway receiving a tools/call to its answer.");
        Refusals = _meter.CreateCounter<long>("portcullis.refusals", "{request}", "Requests refused before any upstream saw them (malformed frames, unknown methods or connectors, refused hosts, payloads too large, step-up), by error code and HTTP status.");
    }

    public static ActivitySource Traces { get; } = new(Name);

    public Counter<long> Calls { get; }

    public Histogram<double> Duration { get; }

    /// <summary>Refusals at the transport (malformed frames, unknown methods or connectors, refused hosts, payloads too large, step-up).</summary>
    public Counter<long> Refusals { get; }

    public void Dispose() => _meter.Dispose();
}
