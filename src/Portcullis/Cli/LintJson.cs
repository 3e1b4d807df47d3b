using System.Text.Json;
using System.Text.Json.Nodes;
using Portcullis.Core.Lint;
using Portcullis.Core.Pins;

namespace Portcullis.Cli;

/// <summary>The report as JSON, in the stable shape documented in docs/lint.md (version 1).</summary>
internal static class LintJson
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = Portcullis.Core.Diagnostics.VisibleJsonEncoder.Instance };

    public static void Write(TextWriter output, string config, LockFileRead? pins, LintReport report, int exitCode)
    {
        var findings = new JsonArray();
        foreach (var finding in report.Findings)
        {
            findings.Add(new JsonObject
            {
                ["id"] = finding.Id,
                ["severity"] = LintText.Severity(finding.Severity),
                ["title"] = finding.Rule.Title,
                ["connector"] = finding.Connector,
                ["tool"] = finding.Tool,
                ["path"] = finding.Path,
                ["message"] = finding.Message,
                ["fix"] = finding.Fix,
                ["snippet"] = finding.Snippet?.DeepClone(),
                ["snippet_at"] = finding.SnippetAt,
            });
        }

        var root = new JsonObject
        {
            ["version"] = 1,
            ["config"] = config,
            ["live"] = report.Live,
            ["lock_file"] = pins is { Exists: true } ? pins.Path : null,
            ["summary"] = new JsonObject
            {
                ["errors"] = report.Count(LintSeverity.Error),
                ["warnings"] = report.Count(LintSeverity.Warning),
                ["info"] = report.Count(LintSeverity.Info),
            },
            ["exit_code"] = exitCode,
            ["findings"] = findings,
        };
        output.WriteLine(root.ToJsonString(Indented));
    }
}
