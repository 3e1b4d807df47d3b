using System.Text.Json.Nodes;

namespace Portcullis.Tests.Infrastructure;

/// <summary>Runs <c>portcullis lint --json</c> and reads its report.</summary>
internal static class LintCli
{
    public static async Task<LintResult> RunAsync(string configPath, params string[] extra)
    {
        var (exit, stdout, output) = await PortcullisCli.RunAsync(["lint", "--config", configPath, "--json", .. extra]);
        var report = JsonNode.Parse(stdout) as JsonObject ?? throw new InvalidOperationException("lint printed no JSON report:\n" + output);
        Assert.Equal(exit, report["exit_code"]!.GetValue<int>());
        return new LintResult(exit, report, output);
    }
}
