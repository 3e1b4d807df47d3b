using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Portcullis.Core.Configuration;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Upstreams;

namespace Portcullis.Hosting;

/// <summary>
/// OpenTelemetry for the gateway's own meter and spans: the Prometheus exporter when the admin plane serves
/// <c>/metrics</c>, OTLP when <c>telemetry.otlp_endpoint</c> is set. Libraries' meters are left out on purpose (the
/// MCP SDK labels by the tool name a client sent, which would let clients mint label values), but for three of
/// Kestrel's connection instruments.
/// </summary>
internal static class TelemetryRegistration
{
    /// <summary>
    /// Kestrel's meter, for the requests it refuses before the gateway sees them (a header block or request line too
    /// large, malformed HTTP: <c>error.type</c> of <c>kestrel.connection.duration</c>) and the connections it turns
    /// away: the labels kept are the listener's port, the address family and protocol, and a reason of Kestrel's own.
    /// </summary>
    private const string KestrelMeter = "Microsoft.AspNetCore.Server.Kestrel";

    private static readonly HashSet<string> KestrelInstruments = ["kestrel.connection.duration", "kestrel.active_connections", "kestrel.rejected_connections"];

    /// <summary>
    /// The labels kept of Kestrel's: not <c>server.address</c>, the connection's local address, which a client picks on
    /// a wildcard listener (each address of a routed prefix would be a series).
    /// </summary>
    private static readonly string[] KestrelTags = ["error.type", "server.port", "network.transport", "network.type", "network.protocol.name", "network.protocol.version"];

    /// <summary>Series at most per Kestrel instrument: its reasons, listeners and address families, with room to spare.</summary>
    private const int KestrelSeries = 200;

    private static MetricStreamConfiguration KestrelStream(string instrument) => instrument switch
    {
        _ when !KestrelInstruments.Contains(instrument) => MetricStreamConfiguration.Drop,
        "kestrel.connection.duration" => new ExplicitBucketHistogramConfiguration { TagKeys = KestrelTags, CardinalityLimit = KestrelSeries },
        _ => new MetricStreamConfiguration { TagKeys = KestrelTags, CardinalityLimit = KestrelSeries },
    };

    public static IServiceCollection AddGatewayTelemetry(this IServiceCollection services, GatewayConfig config)
    {
        var prometheus = config.Admin.Listen is not null;
        var telemetry = config.Telemetry;
        var otlp = telemetry.OtlpEndpoint is not null;
        if (!prometheus && !otlp)
        {
            return services;
        }

        var builder = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource
                .AddService(telemetry.ServiceName, serviceVersion: GatewayVersion.Value)
                .AddAttributes([new("deployment.environment.name", config.Environment)]))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(GatewayTelemetry.Name, KestrelMeter);
                metrics.AddView(instrument => instrument.Meter.Name != KestrelMeter ? null : KestrelStream(instrument.Name));
                if (prometheus)
                {
                    metrics.AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
                }

                if (otlp)
                {
                    metrics.AddOtlpExporter(o => Configure(o, config, "/v1/metrics"));
                }
            });
        if (otlp)
        {
            builder.WithTracing(tracing => tracing
                .AddSource(GatewayTelemetry.Name)
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(telemetry.SampleRatio)))
                .AddOtlpExporter(o => Configure(o, config, "/v1/traces")));
        }

        return services;
    }

    private static void Configure(OtlpExporterOptions options, GatewayConfig config, string signalPath)
    {
        var telemetry = config.Telemetry;
        var grpc = string.Equals(telemetry.OtlpProtocol, "grpc", StringComparison.Ordinal);
        options.Protocol = grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
        var endpoint = telemetry.OtlpEndpoint!.TrimEnd('/');
        options.Endpoint = new Uri(grpc ? endpoint : endpoint + signalPath);
        if (telemetry.OtlpHeaders.Count > 0)
        {
            options.Headers = string.Join(",", telemetry.OtlpHeaders.Select(h =>
                $"{h.Key}={(SecretReference.TryParse(h.Value, out var reference) ? reference.Resolve(config.BaseDirectory) : h.Value)}"));
        }
    }
}
