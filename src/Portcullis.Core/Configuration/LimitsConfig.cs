namespace Portcullis.Core.Configuration;

/// <summary>Size and work limits enforced on every request.</summary>
public sealed class LimitsConfig
{
    public long MaxBodyBytes { get; set; } = ConfigDefaults.MaxBodyBytes;

    /// <summary>Bytes an upstream's answer to one request may have: a JSON body, or one event of an event stream.</summary>
    public long MaxResultBytes { get; set; } = ConfigDefaults.MaxResultBytes;

    /// <summary>2025-11-25 sessions one principal may hold open on one replica; its next <c>initialize</c> is refused.</summary>
    public int MaxSessionsPerPrincipal { get; set; } = ConfigDefaults.MaxSessionsPerPrincipal;

    public int MaxDepth { get; set; } = ConfigDefaults.MaxDepth;

    public int MaxStringLength { get; set; } = ConfigDefaults.MaxStringLength;

    /// <summary>Values (array items and object members, at any depth) a call's arguments may hold.</summary>
    public int MaxValues { get; set; } = ConfigDefaults.MaxValues;

    /// <summary>Milliseconds of regular-expression matching one call may spend, all <c>pattern</c> checks together.</summary>
    public int PatternBudgetMs { get; set; } = ConfigDefaults.PatternBudgetMs;

    /// <summary>Milliseconds of CPU time one schema check may spend: a call's input check, and its output check, each this much.</summary>
    public int SchemaBudgetMs { get; set; } = ConfigDefaults.SchemaBudgetMs;
}
