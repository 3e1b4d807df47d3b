using System.Reflection;
using System.Text.RegularExpressions;
using Portcullis.Core.Audit;

namespace Portcullis.Core.Tests.Audit;

/// <summary>
/// The closed sets of the audit trail (kinds, decisions) are one source of truth for the filters of the admin API and
/// <c>portcullis audit</c>, its help, and docs/operations.md: none may drift from the constants.
/// </summary>
public sealed partial class AuditVocabularyTests
{
    [Fact]
    public void Kinds_All_HoldsEveryConstantOnce() => AssertAllConstants(typeof(AuditKinds), AuditKinds.All);

    [Fact]
    public void Decisions_All_HoldsEveryConstantOnce() => AssertAllConstants(typeof(AuditDecisions), AuditDecisions.All);

    [Theory]
    [InlineData("kind")]
    [InlineData("decision")]
    public void OperationsMd_FieldRow_NamesEveryValue(string field)
    {
        var row = File.ReadLines(Path.Combine(RepoRoot(), "docs", "operations.md")).First(l => l.StartsWith($"| `{field}` |", StringComparison.Ordinal));
        var documented = Code().Matches(row.Split('|')[2]).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

        Assert.Equal((field == "kind" ? AuditKinds.All : AuditDecisions.All).Order(StringComparer.Ordinal), documented.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(null, null, null)]
    [InlineData("tool_call", "allowed", "rate_limited")]
    [InlineData("dev_sign_in", "denied", "forbidden")]
    public void Check_ValuesInTheirSets_Pass(string? kind, string? decision, string? code)
    {
        Assert.Null(AuditFilters.Check(new AuditQuery { Kind = kind, Decision = decision, Code = code }));
    }

    [Fact]
    public void Check_ValueOutsideItsSet_NamesTheFilterAndEveryAllowedValue()
    {
        var problem = AuditFilters.Check(new AuditQuery { Kind = "tool_call", Decision = "aloud" });

        Assert.Equal("decision", problem!.Filter);
        Assert.Equal("aloud", problem.Value);
        Assert.Equal($"not an audit decision (did you mean allowed?); one of {string.Join(", ", AuditDecisions.All)}", problem.Message);
    }

    private static void AssertAllConstants(Type type, IReadOnlyList<string> all)
    {
        var constants = type.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => (string)f.GetRawConstantValue()!)
            .Order(StringComparer.Ordinal);

        Assert.Equal(constants, all.Order(StringComparer.Ordinal));
    }

    private static string RepoRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(directory!.FullName, "Portcullis.slnx")))
        {
            directory = directory.Parent;
        }

        return directory.FullName;
    }

    [GeneratedRegex("`([a-z_]+)`")]
    private static partial Regex Code();
}
