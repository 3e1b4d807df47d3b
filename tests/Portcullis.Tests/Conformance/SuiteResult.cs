using System.Text.RegularExpressions;

namespace Portcullis.Tests.Conformance;

/// <summary>The summary a <c>conformance server</c> run prints: one line per scenario and the totals.</summary>
internal sealed partial record SuiteResult(int ExitCode, int Passed, int Failed, IReadOnlyDictionary<string, string> Scenarios, string Output)
{
    public static SuiteResult Parse(int exitCode, string output)
    {
        var total = TotalLine().Match(output);
        var scenarios = ScenarioLine().Matches(output).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["result"].Value, StringComparer.Ordinal);
        return new SuiteResult(
            exitCode,
            total.Success ? int.Parse(total.Groups["passed"].Value, System.Globalization.CultureInfo.InvariantCulture) : 0,
            total.Success ? int.Parse(total.Groups["failed"].Value, System.Globalization.CultureInfo.InvariantCulture) : -1,
            scenarios,
            output);
    }

    [GeneratedRegex(@"^Total: (?<passed>\d+) passed, (?<failed>\d+) failed", RegexOptions.Multiline)]
    private static partial Regex TotalLine();

    [GeneratedRegex(@"^[✓✗] (?<name>[\w-]+): (?<result>\d+ passed, \d+ failed)", RegexOptions.Multiline)]
    private static partial Regex ScenarioLine();
}
