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

/// <summary>A lint run: its exit code and its findings.</summary>
internal sealed record LintResult(int Exit, JsonObject Report, string Output)
{
    public IReadOnlyList<JsonObject> Findings => [.. Report["findings"]!.AsArray().Select(f => f!.AsObject())];

    public IReadOnlyList<string> Ids => [.. Findings.Select(f => f["id"]!.GetValue<string>()).Distinct().Order(StringComparer.Ordinal)];

    public IReadOnlyList<JsonObject> Of(string id) => [.. Findings.Where(f => f["id"]!.GetValue<string>() == id)];

    public override string ToString() => Report.ToJsonString();
}
