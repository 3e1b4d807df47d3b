using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Portcullis.Core.Diagnostics;

/// <summary>
/// The gateway's metrics and traces, named <c>Portcullis</c> for OpenTelemetry to collect. Every tag value is from
/// a bounded set (connector names, catalog tool names, error codes): a name a client made up never becomes a label.
/// </summary>
internal sealed class GatewayTelemetry : IDisposable
{
    public const string Name = "Portcullis";

    /// <summary>Bucket bounds for call durations in seconds, from a cached replay to a long write.</summary>
    private static readonly double[] DurationBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

    private readonly Counter<long> _claims;
    private readonly Counter<long> _replays;
    private readonly Counter<long> _unknowns;
    private readonly Counter<long> _resolutions;
    private readonly Counter<long> _withheld;

    public GatewayTelemetry(IMeterFactory meters)
    {
        Meter = meters.Create(Name);
        Calls = Meter.CreateCounter<long>("portcullis.tool_calls", "{call}", "tools/call requests by connector, tool and outcome (ok, tool_error, replayed or the error code).");
        Duration = Meter.CreateHistogram("portcullis.tool_call.duration", "s", "Time from the gateway receiving a tools/call to its answer.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        Passthrough = Meter.CreateCounter<long>("portcullis.passthrough.requests", "{request}", "resources/read and prompts/get requests by connector, method and outcome.");
        HttpRefusals = Meter.CreateCounter<long>("portcullis.http.refusals", "{request}", "Requests refused at the HTTP level before any upstream saw them (bad tokens, unknown connectors, refused hosts, payloads too large, step-up, malformed frames), by stage and code.");
        RateLimitRefusals = Meter.CreateCounter<long>("portcullis.rate_limit.refusals", "{call}", "Calls refused because the caller's budget was spent, by connector and tool.");
        _claims = Meter.CreateCounter<long>("portcullis.idempotency.claims", "{key}", "Idempotency keys claimed by a first call.");
        _replays = Meter.CreateCounter<long>("portcullis.idempotency.replays", "{call}", "Calls answered with a stored result.");
        _unknowns = Meter.CreateCounter<long>("portcullis.idempotency.outcome_unknown", "{event}", "Keys that became outcome-unknown (event=marked; event=recovered, left in flight by a process that died and settled at the next start) and calls answered so (event=answered).");
        _resolutions = Meter.CreateCounter<long>("portcullis.idempotency.resolutions", "{key}", "Outcome-unknown keys settled by an operator, by whether the call took effect.");
        _withheld = Meter.CreateCounter<long>("portcullis.pins.withheld", "{definition}", "Tools, resources and prompts withheld because their definition is not their pin (reason=tool_changed) or has none (reason=unpinned), counted when they become withheld, by connector, kind and reason.");
    }

    public static ActivitySource Traces { get; } = new(Name);

    /// <summary>The meter, for observable instruments owned by other components (upstreams, audit trail).</summary>
    public Meter Meter { get; }

    public Counter<long> Calls { get; }

    public Histogram<double> Duration { get; }

    public Counter<long> Passthrough { get; }

    public Counter<long> HttpRefusals { get; }

    public Counter<long> RateLimitRefusals { get; }

    public void IdempotencyClaimed(string connector, string tool) => _claims.Add(1, Tags(connector, tool));

    public void IdempotencyReplayed(string connector, string tool) => _replays.Add(1, Tags(connector, tool));

    public void IdempotencyMarkedUnknown(string connector, string tool) =>
        _unknowns.Add(1, new TagList { { "connector", connector }, { "tool", tool }, { "event", "marked" } });

    /// <summary>Claims an earlier incarnation left in flight, settled outcome-unknown at start: which connector and tool the store does not say.</summary>
    public void IdempotencyRecovered(int count) => _unknowns.Add(count, new TagList { { "event", "recovered" } });

    public void IdempotencyAnsweredUnknown(string connector, string tool) =>
        _unknowns.Add(1, new TagList { { "connector", connector }, { "tool", tool }, { "event", "answered" } });

    public void IdempotencyResolved(string connector, string tool, bool executed) =>
        _resolutions.Add(1, new TagList { { "connector", connector }, { "tool", tool }, { "executed", executed ? "true" : "false" } });

    public void PinWithheld(string connector, string kind, string name, string reason) =>
        _withheld.Add(1, new TagList { { "connector", connector }, { "kind", kind }, { "name", name }, { "reason", reason } });

    private static TagList Tags(string connector, string tool) => new() { { "connector", connector }, { "tool", tool } };

    public void Dispose() => Meter.Dispose();
}
