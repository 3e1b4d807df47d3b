using Portcullis.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Portcullis.Tests.Conformance;

/// <summary>
/// The official MCP conformance suite (pinned in tests/conformance/package.json) run against the sample
/// gateway in front of the conformance fixture, and against the fixture directly for comparison.
/// </summary>
[Collection(ConformanceCollection.Name)]
public sealed class ConformanceSuiteTests(ITestOutputHelper output)
{
    private static readonly TimeSpan SuiteTimeout = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task Suite_2025_11_25_ThroughGateway_EveryScenarioPassesAsAgainstTheFixture()
    {
        using var data = new TempDir();
        await using var gateway = await GatewayProcess.StartAsync(ConformanceConfig.SampleConfig, data.Path);
        await using var fixture = await ConformanceFixtureProcess.StartAsync();

        // The active suite, then the pending scenarios (json-schema-2020-12, server-sse-polling) too.
        var throughGateway = await RunAsync(NodeTools.Suite2025, ["server", "--url", gateway.Endpoint("conformance").ToString()]);
        var direct = await RunAsync(NodeTools.Suite2025, ["server", "--url", fixture.Url]);
        var pending = await RunAsync(NodeTools.Suite2025, ["server", "--url", gateway.Endpoint("conformance").ToString(), "--suite", "pending"]);

        Assert.True(throughGateway.Passed > 0, throughGateway.Output);
        Assert.Equal(0, throughGateway.Failed);
        Assert.Equal(0, throughGateway.ExitCode);
        Assert.Equal(direct.Scenarios, throughGateway.Scenarios);
        Assert.True(pending.Passed > 0, pending.Output);
        Assert.Equal(0, pending.Failed);
        Assert.Equal(0, pending.ExitCode);
    }

    [Fact]
    public async Task Suite_2026_07_28_ActiveThroughGateway_EveryScenarioPasses()
    {
        using var data = new TempDir();
        await using var gateway = await GatewayProcess.StartAsync(ConformanceConfig.SampleConfig, data.Path);

        var result = await RunAsync(NodeTools.Suite2026, ["server", "--url", gateway.Endpoint("conformance").ToString(), "--spec-version", "2026-07-28"]);

        Assert.True(result.Passed > 0, result.Output);
        Assert.Equal(0, result.Failed);
        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task Suite_2026_07_28_AllScenariosThroughGateway_FailOnlyAsTheBaselineSays()
    {
        using var data = new TempDir();
        await using var gateway = await GatewayProcess.StartAsync(ConformanceConfig.SampleConfig, data.Path);

        // The suite itself compares with the baseline: an unexpected failure, or a baselined one that now
        // passes (a stale entry), makes it exit non-zero.
        var result = await RunAsync(NodeTools.Suite2026,
            ["server", "--url", gateway.Endpoint("conformance").ToString(), "--spec-version", "2026-07-28", "--suite", "all", "--expected-failures", NodeTools.Baseline2026]);

        Assert.True(result.Passed > 0, result.Output);
        Assert.Contains("Baseline check passed", result.Output, StringComparison.Ordinal);
        Assert.Equal(0, result.ExitCode);
    }

    private async Task<SuiteResult> RunAsync(string suite, string[] arguments)
    {
        var (exitCode, _, text) = await NodeTools.RunAsync(suite, arguments, SuiteTimeout);
        var result = SuiteResult.Parse(exitCode, text);
        output.WriteLine($"{string.Join(' ', arguments)} -> exit {exitCode}, {result.Passed} passed, {result.Failed} failed");
        foreach (var (scenario, summary) in result.Scenarios)
        {
            output.WriteLine($"  {scenario}: {summary}");
        }

        if (exitCode != 0)
        {
            output.WriteLine(text);
        }

        return result;
    }
}
