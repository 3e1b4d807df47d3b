using Portcullis.Core.Lint;
using Portcullis.Core.Pins;

namespace Portcullis.Cli;

/// <summary>The report as a table: one row per finding, grouped by connector, its fix beneath it.</summary>
internal static class LintText
{
    private const string Gateway = "(gateway)";

    /// <summary>Snippets are shown as written in a config: no escaping of characters such as &lt; and &gt;.</summary>
    public static readonly System.Text.Json.JsonSerializerOptions Readable = new() { Encoder = Portcullis.Core.Diagnostics.VisibleJsonEncoder.Instance };

    public static void Write(TextWriter output, string config, LockFileRead? pins, LintReport report)
    {
        output.WriteLine($"portcullis lint {config}");
        output.WriteLine($"  upstreams: {(report.Live ? "listed" : "not listed")}; lock file: {LockState(pins)}");
        var idWidth = Math.Max(2, report.Findings.Select(f => f.Id.Length).DefaultIfEmpty(0).Max());
        var pathWidth = Math.Min(60, Math.Max(4, report.Findings.Select(f => f.Path.Length).DefaultIfEmpty(0).Max()));
        foreach (var group in report.Findings.GroupBy(f => f.Connector ?? Gateway).OrderBy(g => g.Key == Gateway ? "" : g.Key, StringComparer.Ordinal))
        {
            output.WriteLine();
            output.WriteLine(group.Key == Gateway ? Gateway : $"connector {group.Key}");
            output.WriteLine($"  {"SEVERITY",-8}  {"ID".PadRight(idWidth)}  {"PATH".PadRight(pathWidth)}  MESSAGE");
            foreach (var finding in group)
            {
                output.WriteLine($"  {Severity(finding.Severity),-8}  {finding.Id.PadRight(idWidth)}  {finding.Path.PadRight(pathWidth)}  {finding.Message}");
                var indent = new string(' ', 2 + 8 + 2 + idWidth + 2);
                if (finding.Fix is { } fix)
                {
                    output.WriteLine($"{indent}fix: {fix}");
                }

                if (finding.Snippet is { } snippet)
                {
                    output.WriteLine($"{indent}     at {finding.SnippetAt}: {snippet.ToJsonString(Readable)}");
                }
            }
        }

        output.WriteLine();
        output.WriteLine($"{Plural(report.Count(LintSeverity.Error), "error")}, {Plural(report.Count(LintSeverity.Warning), "warning")}, "
            + $"{Plural(report.Count(LintSeverity.Info), "note")}");
    }

    private static string LockState(LockFileRead? pins) => pins switch
    {
        null => "not read",
        { Errors.Count: > 0 } => $"{pins.Path} (unreadable)",
        { File: { } file } => $"{pins.Path} ({file.Count} pin(s))",
        _ => "none",
    };

    public static string Severity(LintSeverity severity) => severity switch
    {
        LintSeverity.Error => "error",
        LintSeverity.Warning => "warning",
        _ => "info",
    };

    private static string Plural(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";
}
