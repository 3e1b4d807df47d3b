using System.Text.Json.Nodes;

namespace Portcullis.Tests.Infrastructure;

/// <summary>
/// Allow-listed tools the gateway keeps out once it sees the fixture's tools, in one table: <c>serve</c> refuses the
/// config for each case with <see cref="CatalogRefusalCase.ServeRefuses"/> (the destructive and overlay tests), and
/// <c>lint</c> reports every case as an error in the same words (the lint tests).
/// </summary>
internal static class CatalogRefusalCases
{
    public static readonly IReadOnlyList<CatalogRefusalCase> All =
    [
        Destructive("wipe"),
        Destructive("unannotated"),
        Overlay("maxLength", """{"properties": {"code": {"maxLength": 20}}}""", "$.connectors[0].tools.strict.input_schema.properties.code.maxLength"),
        Overlay("enum", """{"properties": {"code": {"enum": ["alpha", "delta"]}}}""", "$.connectors[0].tools.strict.input_schema.properties.code.enum"),
        Overlay("type", """{"properties": {"level": {"type": "string"}}}""", "$.connectors[0].tools.strict.input_schema.properties.level.type"),
        Overlay("minimum", """{"properties": {"level": {"minimum": 0}}}""", "$.connectors[0].tools.strict.input_schema.properties.level.minimum"),
        Overlay("properties", """{"properties": {"other": {"maxLength": 3}}}""", "$.connectors[0].tools.strict.input_schema.properties.other"),
        new("uncompilable-broken_items", "schema-uncompilable", false, "$.connectors[0].tools_allow[1]",
            TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["echo", "broken_items"], tools: new JsonObject { ["broken_items"] = new JsonObject { ["read_only"] = true } })),
            ["tool broken_items is unavailable: its schema does not compile"]),
        new("headers-invalid-bad_header", "tool-headers-invalid", false, "$.connectors[0].tools_allow[1]", HeaderTools(),
            ["tool bad_header is unavailable: its x-mcp-header annotations are invalid"]),
    ];

    public static TheoryData<string> Names => [.. All.Select(c => c.Name)];

    public static TheoryData<string> ServeRefused(string id) => [.. All.Where(c => c.ServeRefuses && c.Id == id).Select(c => c.Name)];

    public static CatalogRefusalCase Get(string name) => All.Single(c => c.Name == name);

    private static CatalogRefusalCase Destructive(string tool) => new($"destructive-{tool}", "destructive-not-opted-in", true, "$.connectors[0].tools_allow[1]",
        TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["echo", tool])),
        [$"tools_allow lists '{tool}'", $"tools.{tool}.allow_destructive"]);

    /// <summary>The fixture over stdio with its <c>x-mcp-header</c> tools, one of them annotated invalidly.</summary>
    private static JsonObject HeaderTools()
    {
        var connector = TestConfig.FixtureConnector("fixture", ["echo", "bad_header"], tools: new JsonObject { ["bad_header"] = new JsonObject { ["read_only"] = true } });
        connector["upstream"]!["args"]!.AsArray().Add("--header-tools");
        return TestConfig.Gateway(connector);
    }

    private static CatalogRefusalCase Overlay(string keyword, string overlay, string path) => new($"overlay-{keyword}", "overlay-loosens", true, path,
        TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["strict", "echo"],
            tools: new JsonObject { ["strict"] = new JsonObject { ["read_only"] = true, ["input_schema"] = JsonNode.Parse(overlay) } })),
        [$"connectors[fixture].tools.strict.input_schema would loosen the upstream's schema at keyword '{keyword}'"]);
}
