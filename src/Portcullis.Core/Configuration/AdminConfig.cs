namespace Portcullis.Core.Configuration;

/// <summary>The admin plane: its own listener with /metrics and the admin JSON API; absent means none.</summary>
public sealed class AdminConfig
{
    /// <summary>The URL the admin listener binds, such as <c>http://127.0.0.1:9090</c>; overridden by <c>serve --admin-listen</c>.</summary>
    public string? Listen { get; set; }

    /// <summary>Base URL operators reach the admin plane at behind a proxy; defaults to <see cref="Listen"/>.</summary>
    public string? PublicUrl { get; set; }

    /// <summary>The longest lifetime an admin token may have.</summary>
    public int TokenTtlSeconds { get; set; } = 3600;

    /// <summary>Require an admin token for <c>/metrics</c> too (Prometheus sends it as a bearer token).</summary>
    public bool MetricsRequireToken { get; set; }
}
