namespace Portcullis.Core.Configuration;

/// <summary>How to reach the upstream: a child process over stdio, or Streamable HTTP.</summary>
public sealed class UpstreamConfig
{
    public string? Command { get; set; }

    public List<string> Args { get; set; } = [];

    /// <summary>The child's whole environment besides a minimal default set; values may be secret references.</summary>
    public Dictionary<string, string> Env { get; set; } = [];

    public string? WorkingDir { get; set; }

    public string? Url { get; set; }

    /// <summary>HTTP headers sent upstream; every value is a secret reference.</summary>
    public Dictionary<string, string> Headers { get; set; } = [];

    /// <summary>OAuth client credentials whose access token is sent as <c>Authorization: Bearer</c>.</summary>
    public UpstreamOAuthConfig? Oauth { get; set; }

    /// <summary>
    /// Lets credentials go to a plain http <see cref="Url"/> on another host: only where the network encrypts on its own
    /// (a service mesh's mutual TLS). Without it, an upstream sent credentials needs https or a loopback host.
    /// </summary>
    public bool AllowPlainHttp { get; set; }

    /// <summary>Seconds to wait for the upstream to connect and initialize.</summary>
    public int ConnectTimeoutSeconds { get; set; } = ConfigDefaults.ConnectTimeoutSeconds;

    /// <summary>
    /// Seconds between two pings of a connected upstream, and the time each has to be answered; an upstream that does
    /// not answer is reported unresponsive (not ready) until it answers again. 0 turns pinging off.
    /// </summary>
    public int PingIntervalSeconds { get; set; } = ConfigDefaults.PingIntervalSeconds;

    /// <summary>The MCP revision spoken to the upstream: <c>2025-11-25</c> (default), <c>2026-07-28</c> or <c>auto</c>.</summary>
    public string ProtocolVersion { get; set; } = ConfigDefaults.UpstreamProtocolVersion;

    /// <summary>The version to pin on the upstream client, or null to let the SDK negotiate.</summary>
    internal string? PinnedProtocolVersion => ProtocolVersion == "auto" ? null : ProtocolVersion;

    internal bool IsStdio => Command is not null;

    /// <summary>
    /// Whether credentials (a header, every one a secret reference, or the OAuth token) would go to <see cref="Url"/> in
    /// clear: plain http to a host that is not loopback.
    /// </summary>
    internal bool CredentialsInClear => Url is { } url && (Headers.Count > 0 || Oauth is not null)
        && Uri.TryCreate(url, UriKind.Absolute, out _) && !ListenAddress.IsSecureOrLoopback(url);

    /// <summary>
    /// How logs name the upstream: its command line, or its URL without what may be a credential (user info, query,
    /// fragment: <c>https://host/mcp?…</c>), since the log line repeats it on every failed attempt.
    /// </summary>
    internal string Display => IsStdio
        ? string.Join(' ', new[] { Command! }.Concat(Args).Select(a => a.Contains(' ', StringComparison.Ordinal) || a.Length == 0 ? $"\"{a}\"" : a))
        : Uri.TryCreate(Url, UriKind.Absolute, out var uri)
            ? $"{uri.Scheme}://{uri.Authority}{uri.AbsolutePath}{(uri.Query.Length > 0 || uri.Fragment.Length > 0 ? "?…" : "")}"
            : "[url]";
}
