using Portcullis.Core.Configuration;
using Portcullis.Core.Lint;
using Portcullis.Core.Tests.Configuration;

namespace Portcullis.Core.Tests.Lint;

/// <summary>Everything serve refuses is a lint error too, with the same path and the same words.</summary>
public sealed class LintParityTests : IDisposable
{
    private readonly LintHarness _lint = new();

    private static readonly Comparer<ConfigError> Comparer = Comparer<ConfigError>.Create((a, b) => string.CompareOrdinal(a.ToString(), b.ToString()));

    public void Dispose() => _lint.Dispose();

    [Theory]
    [MemberData(nameof(RefusedConfigs.Names), MemberType = typeof(RefusedConfigs))]
    public void Lint_ConfigServeRefuses_ReportsEachErrorAsServeWordsIt(string name)
    {
        var refused = RefusedConfigs.Get(name);
        var serve = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(refused.Json, _lint.Base, "test.json"));

        var report = _lint.Lint(refused.Json);

        var errors = report.Findings.Where(f => f.Id == "config-invalid").Select(f => new ConfigError(f.Path, f.Message)).ToList();
        Assert.Equal(serve.Errors.Order(Comparer), errors.Order(Comparer));
        Assert.All(report.Findings.Where(f => f.Id == "config-invalid"), f => Assert.Equal(LintSeverity.Error, f.Severity));
        Assert.Equal(2, report.ExitCode(strict: false));
        Assert.Contains(report.Findings, f => f.Id == "live-checks-skipped");
    }
}
