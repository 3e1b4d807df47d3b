using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Catalog;
using Portcullis.Core.Configuration;
using Portcullis.Core.Pins;
using Portcullis.Core.Schemas;
using Portcullis.Core.Tools;
using Portcullis.Core.Upstreams;

namespace Portcullis.Core.Tests.Tools;

/// <summary>
/// An upstream tool whose definition is not I-JSON (a member name twice in one object, half of a surrogate pair, a number
/// beyond a double) is withheld alone. Before, the overlay's merge, the idempotency key's addition, the output schema's
/// widening, the pin comparison or the list's signature threw on it, and the whole connector's catalog failed with it.
/// </summary>
public sealed class NotIJsonDefinitionTests
{
    private const string Plain = """{"type":"object","properties":{"text":{"type":"string","maxLength":5}}}""";

    [Theory]
    [InlineData("write, name twice at the root", """{"name":"t","inputSchema":{"type":"object","type":"object"}}""", false, false, "'/type' twice")]
    [InlineData("overlay over a name twice", """{"name":"t","inputSchema":{"type":"object","properties":{"text":{"maxLength":5,"maxLength":500}}}}""", true, false, "'/properties/text/maxLength' twice")]
    [InlineData("read, name twice deep", """{"name":"t","inputSchema":{"type":"object","properties":{"text":{"maxLength":5,"maxLength":500}}}}""", false, false, "'/properties/text/maxLength' twice")]
    [InlineData("drift to a name twice", """{"name":"t","inputSchema":{"type":"object","properties":{"text":{"type":"string","maxLength":5,"maxLength":500}}}}""", false, true, "'/properties/text/maxLength' twice")]
    [InlineData("description cut inside an emoji", """{"name":"t","inputSchema":{"type":"object","properties":{"text":{"type":"string","description":"caf\ud83d"}}}}""", false, false, "'/properties/text/description' holds a string with half of a UTF-16 surrogate pair")]
    [InlineData("output schema, name twice", """{"name":"t","inputSchema":{"type":"object"},"outputSchema":{"type":"object","type":"object"}}""", false, false, "outputSchema names the member '/type' twice")]
    [InlineData("output schema, half a pair", """{"name":"t","inputSchema":{"type":"object"},"outputSchema":{"type":"object","title":"\udc00"}}""", false, false, "outputSchema at '/title'")]
    [InlineData("_meta, half a pair", """{"name":"t","inputSchema":{"type":"object"},"_meta":{"hint":"\ud800"}}""", false, false, "_meta cannot be written")]
    [InlineData("_meta, name twice", """{"name":"t","inputSchema":{"type":"object"},"_meta":{"a":1,"a":2}}""", false, false, "_meta names the member '/a' twice")]
    [InlineData("number beyond a double", """{"name":"t","inputSchema":{"type":"object","properties":{"n":{"maximum":1e400}}}}""", false, false, "'/properties/n/maximum' holds a number beyond a double's range")]
    public void Build_ToolNotIJson_IsWithheldAloneAndTheOthersServed(string label, string listed, bool overlay, bool pinned, string reason)
    {
        var tool = JsonSerializer.Deserialize<Tool>(listed, McpJsonUtilities.DefaultOptions)!;
        var other = new Tool { Name = "other", InputSchema = JsonDocument.Parse(Plain).RootElement.Clone() };
        var connector = new ConnectorConfig { Server = "crm", ToolsAllow = ["t", "other"] };
        connector.Tools["other"] = new ToolConfig { ReadOnly = true };
        connector.Tools["t"] = new ToolConfig { AllowDestructive = true };
        if (overlay)
        {
            connector.Tools["t"].InputSchema = JsonNode.Parse("""{"properties":{"text":{"maxLength":100}}}""")!.AsObject();
        }

        LockFile? pins = null;
        if (pinned)
        {
            pins = new LockFile();
            pins.Set("crm", "other", ToolPin.Of(PinnedDefinition.From(other)));
            pins.Set("crm", "t", ToolPin.Of(PinnedDefinition.From(new Tool { Name = "t", InputSchema = JsonDocument.Parse(Plain).RootElement.Clone() })));
        }

        var catalog = ToolCatalog.Build(connector, [tool, other], new ToolSchemaBuilder(new SchemaCache()), pins);

        Assert.False(catalog.TryGet("t", out _), label);
        Assert.True(catalog.TryGet("other", out _), label);
        var refusal = Assert.Single(catalog.Refusals);
        Assert.Equal(("t", "uncompilable_schema"), (refusal.Tool, refusal.Reason));
        Assert.Contains("its definition is not I-JSON", refusal.Message, StringComparison.Ordinal);
        Assert.Contains(reason, refusal.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The MCP client cannot read such a tool at all (it refused the whole page): read from the page's JSON as the
    /// client holds it, it stands in by its name and is withheld saying where; one without a readable name is left out.
    /// </summary>
    [Theory]
    [InlineData("""{"name":"t","description":"caf\ud83d","inputSchema":{"type":"object"}}""", "description holds a string with half of a UTF-16 surrogate pair")]
    [InlineData("""{"name":"t","annotations":{"title":"\udc00"},"inputSchema":{"type":"object"}}""", "annotations at '/title' holds a string")]
    [InlineData("""{"name":"t","inputSchema":{"type":"object","properties":{"text":{"description":"\ud800"}}}}""", "inputSchema at '/properties/text/description' holds a string")]
    [InlineData("""{"name":"t","inputSchema":{"type":"object","a":1,"a":2},"title":"\ud800"}""", "inputSchema names a member twice")]
    [InlineData("""{"name":"t","_meta":{"k\ud800":1},"inputSchema":{"type":"object"}}""", "_meta has a member name holding half of a UTF-16 surrogate pair")]
    public void Build_ToolTheClientCannotRead_StandsInAndIsWithheldAlone(string listed, string reason)
    {
        Assert.True(ListPage.TryStandIn(ListKinds.Tools, JsonNode.Parse(listed), out var standIn));
        var other = new Tool { Name = "other", InputSchema = JsonDocument.Parse(Plain).RootElement.Clone() };
        var connector = new ConnectorConfig { Server = "crm", ToolsAllow = ["t", "other"] };
        connector.Tools["other"] = new ToolConfig { ReadOnly = true };

        var catalog = ToolCatalog.Build(connector, [standIn!, other], new ToolSchemaBuilder(new SchemaCache()), null);

        Assert.False(catalog.TryGet("t", out _));
        Assert.True(catalog.TryGet("other", out _));
        var refusal = Assert.Single(catalog.Refusals);
        Assert.Equal(("t", "uncompilable_schema"), (refusal.Tool, refusal.Reason));
        Assert.Contains("its definition is not I-JSON (" + reason, refusal.Message, StringComparison.Ordinal);
        Assert.Equal(PinOutcome.NotIJson, Assert.Single(Pinner.Run(null, new Dictionary<string, IReadOnlyList<LiveDefinition>> { ["crm"] = [LiveDefinition.Of(standIn!)] }, _ => true).Entries).Outcome);
    }

    [Fact]
    public void TryStandIn_NameTheClientCannotRead_IsLeftOut()
    {
        Assert.True(ListPage.TryStandIn(ListKinds.Tools, JsonNode.Parse("""{"name":"t\ud800","inputSchema":{"type":"object"}}"""), out var standIn));
        Assert.Null(standIn);
        Assert.False(ListPage.TryStandIn(ListKinds.Tools, JsonNode.Parse("""{"name":"t","description":"caf\u00e9","inputSchema":{"type":"object"}}"""), out _));
    }

    /// <summary>A resource, template or prompt the client cannot read stands in by its URI or name, and pin reports it not I-JSON saying where.</summary>
    [Fact]
    public void TryStandIn_ResourceTemplateOrPromptTheClientCannotRead_IsNotPinnedSayingWhere()
    {
        Assert.True(ListPage.TryStandIn(ListKinds.Resources, JsonNode.Parse("""{"uri":"memo://a","name":"a","description":"\ud83d"}"""), out var resource));
        Assert.True(ListPage.TryStandIn(ListKinds.ResourceTemplates, JsonNode.Parse("""{"uriTemplate":"memo://{id}","name":"t","title":"\udc00"}"""), out var template));
        Assert.True(ListPage.TryStandIn(ListKinds.Prompts, JsonNode.Parse("""{"name":"p","arguments":[{"name":"x","description":"\ud800"}]}"""), out var prompt));
        Assert.True(ListPage.TryStandIn(ListKinds.Prompts, JsonNode.Parse("""{"name":"\ud800"}"""), out var nameless));
        Assert.Null(nameless);
        Assert.False(ListPage.TryStandIn(ListKinds.Resources, JsonNode.Parse("""{"uri":"memo://a","name":"caf\u00e9"}"""), out _));

        var live = new Dictionary<string, IReadOnlyList<LiveDefinition>> { ["crm"] = [LiveDefinition.Of(resource!), LiveDefinition.Of(template!), LiveDefinition.Of(prompt!)] };
        var entries = Pinner.Run(null, live, _ => true).Entries;

        Assert.All(entries, e => Assert.Equal(PinOutcome.NotIJson, e.Outcome));
        Assert.Equal(
            [(PinKind.Resource, "memo://a", "description holds a string with half of a UTF-16 surrogate pair"),
             (PinKind.ResourceTemplate, "memo://{id}", "title holds a string with half of a UTF-16 surrogate pair"),
             (PinKind.Prompt, "p", "arguments at '/0/description' holds a string with half of a UTF-16 surrogate pair")],
            entries.Select(e => (e.Kind, e.Name, Assert.Single(e.Changed))));
    }

    [Fact]
    public void Pin_ToolNotIJson_PinsNothingKeepsItsPinAndStaysWithheld()
    {
        var reviewed = new Tool { Name = "t", InputSchema = JsonDocument.Parse(Plain).RootElement.Clone() };
        var (existing, _) = Pinner.Run(null, new Dictionary<string, IReadOnlyList<LiveDefinition>> { ["crm"] = [LiveDefinition.Of(reviewed)] }, _ => false);
        var before = existing.Find("crm", "t")!;
        var broken = JsonSerializer.Deserialize<Tool>("""{"name":"t","inputSchema":{"type":"object","properties":{"text":{"description":"caf\ud83d"}}}}""", McpJsonUtilities.DefaultOptions)!;

        var (file, entries) = Pinner.Run(existing, new Dictionary<string, IReadOnlyList<LiveDefinition>> { ["crm"] = [LiveDefinition.Of(broken)] }, _ => true);

        var entry = Assert.Single(entries);
        Assert.Equal(PinOutcome.NotIJson, entry.Outcome);
        Assert.True(entry.Withheld);
        Assert.Contains("half of a UTF-16 surrogate pair", Assert.Single(entry.Changed), StringComparison.Ordinal);
        Assert.Same(before, file.Find("crm", "t"));
    }
}
