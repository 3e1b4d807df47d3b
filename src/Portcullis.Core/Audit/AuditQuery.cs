namespace Portcullis.Core.Audit;

/// <summary>Filters of an audit query; each one that is set must match exactly (times inclusive).</summary>
public sealed record AuditQuery
{
    public const int DefaultLimit = 100;

    public const int MaxLimit = 1000;

    public DateTimeOffset? Since { get; init; }

    public DateTimeOffset? Until { get; init; }

    /// <summary>The environment the events were decided in: a trail shared by several environments' gateways holds each one's.</summary>
    public string? Environment { get; init; }

    public string? Principal { get; init; }

    public string? Tool { get; init; }

    public string? Code { get; init; }

    public string? Connector { get; init; }

    public string? Kind { get; init; }

    public string? Decision { get; init; }

    public string? CorrelationId { get; init; }

    /// <summary>How many events a page holds, 1 to <see cref="MaxLimit"/>.</summary>
    public int Limit { get; init; } = DefaultLimit;

    /// <summary>The <see cref="AuditPage.Next"/> of the previous page; null for the newest.</summary>
    public string? Cursor { get; init; }

    /// <summary>True when <paramref name="e"/> passes every filter (the time and cursor aside).</summary>
    public bool Matches(AuditEvent e) =>
        (Since is not { } since || e.Time >= since)
        && (Until is not { } until || e.Time <= until)
        && Same(Environment, e.Environment) && Same(Principal, e.Principal) && Same(Tool, e.Tool) && Same(Code, e.Code) && Same(Connector, e.Connector)
        && Same(Kind, e.Kind) && Same(Decision, e.Decision) && Same(CorrelationId, e.CorrelationId);

    private static bool Same(string? filter, string? value) => filter is null || string.Equals(filter, value, StringComparison.Ordinal);
}
