namespace Portcullis.Core.Configuration;

/// <summary>Traces and metrics sent out over OTLP.</summary>
public sealed class TelemetryConfig
{
    /// <summary>The collector's base URL, such as <c>http://127.0.0.1:4318</c> (http/protobuf) or <c>:4317</c> (grpc); absent: nothing is sent.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary><c>http/protobuf</c> (default) or <c>grpc</c>.</summary>
    public string OtlpProtocol { get; set; } = "http/protobuf";

    /// <summary>Headers sent to the collector; values may be secret references (<c>env:NAME</c>, <c>file:PATH</c>).</summary>
    public Dictionary<string, string> OtlpHeaders { get; set; } = [];

    /// <summary>Lets secret headers go to a plain http collector on another host (a service mesh's mutual TLS).</summary>
    public bool OtlpAllowPlainHttp { get; set; }

    /// <summary>Whether headers kept as secret references (credentials) would go to the collector in clear.</summary>
    internal bool SecretHeadersInClear => OtlpEndpoint is { } endpoint && Uri.TryCreate(endpoint, UriKind.Absolute, out _)
        && !ListenAddress.IsSecureOrLoopback(endpoint) && OtlpHeaders.Values.Any(v => SecretReference.TryParse(v, out _));

    public string ServiceName { get; set; } = "portcullis";

    /// <summary>The share of traces recorded when the caller did not decide (parent-based sampling), 0 to 1.</summary>
    public double SampleRatio { get; set; } = 1.0;
}
