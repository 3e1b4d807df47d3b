using System.Text.Json.Nodes;

namespace Portcullis.Tests.Infrastructure;

/// <summary>A lint run: its exit code and its findings.</summary>
internal sealed record LintResult(int Exit, JsonObject Report, string Output)
{
    public IReadOnlyList<JsonObject> Findings => [.. Report["findings"]!.AsArray().Select(f => f!.AsObject())];

    public IReadOnlyList<string> Ids => [.. Findings.Select(f => f["id"]!.GetValue<string>()).Distinct().Order(StringComparer.Ordinal)];

    public IReadOnlyList<JsonObject> Of(string id) => [.. Findings.Where(f => f["id"]!.GetValue<string>() == id)];

    public override string ToString() => Report.ToJsonString();
}
