using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace Portcullis.Fixtures.Upstream;

/// <summary>
/// <c>--passthrough-meta TEXT</c>: every extra resource, template and prompt carries <c>_meta</c> <c>{"note": TEXT}</c> and an
/// icon named after TEXT, which clients are shown; without it they carry neither.
/// </summary>
internal static class PassthroughMarks
{
    public static JsonObject? Meta(string[] args) =>
        FixtureArgs.Value(args, "--passthrough-meta") is { } text ? new JsonObject { ["note"] = text } : null;

    public static List<Icon>? Icons(string[] args) =>
        FixtureArgs.Value(args, "--passthrough-meta") is { } text ? [new Icon { Source = $"https://fixture.example/{Uri.EscapeDataString(text)}.png" }] : null;
}
