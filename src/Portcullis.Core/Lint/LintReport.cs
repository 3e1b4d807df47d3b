namespace Portcullis.Core.Lint;

/// <summary>Every finding of one run, errors first, and what they mean for the exit code.</summary>
internal sealed class LintReport(IEnumerable<LintFinding> findings, bool live)
{
    public IReadOnlyList<LintFinding> Findings { get; } =
    [
        .. findings
            .OrderByDescending(f => f.Severity)
            .ThenBy(f => f.Connector ?? "", StringComparer.Ordinal)
            .ThenBy(f => f.Path, StringComparer.Ordinal)
            .ThenBy(f => f.Id, StringComparer.Ordinal)
            .ThenBy(f => f.Message, StringComparer.Ordinal),
    ];

    /// <summary>Whether the upstreams' live catalogs were checked.</summary>
    public bool Live { get; } = live;

    public int Count(LintSeverity severity) => Findings.Count(f => f.Severity == severity);

    /// <summary>2 with any error; 1 with <paramref name="strict"/> and any warning; 0 otherwise.</summary>
    public int ExitCode(bool strict) =>
        Count(LintSeverity.Error) > 0 ? 2 : strict && Count(LintSeverity.Warning) > 0 ? 1 : 0;
}
