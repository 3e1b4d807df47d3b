using System.Text.Json.Nodes;
using Portcullis.Core.Schemas;
using static Portcullis.Core.Tests.Schemas.SchemaTestJson;

namespace Portcullis.Core.Tests.Schemas;

/// <summary><c>items</c> in an overlay tightens every item of an array property.</summary>
public sealed class OverlayItemsTests
{
    [Fact]
    public void Merge_ItemsOverlay_TightensEveryItem()
    {
        var upstream = Element("""{"type":"object","properties":{"tags":{"type":"array","items":{"type":"string","maxLength":20}}}}""");
        var overlay = JsonNode.Parse("""{"properties":{"tags":{"items":{"maxLength":5,"pattern":"^[a-z]+$"}}}}""")!.AsObject();

        var merged = SchemaOverlay.Merge(upstream, overlay);
        var schema = Compile(merged.Schema);

        Assert.Empty(merged.Problems);
        Assert.Empty(schema.Validate(Element("""{"tags":["ab","cde"]}""")));
        var details = schema.Validate(Element("""{"tags":["ok","TOO","toolong"]}"""));
        Assert.Equal(["/tags/1 pattern", "/tags/2 maxLength"], details.Select(d => $"{d.Path} {d.Keyword}").Order());
    }

    [Fact]
    public void Merge_ItemsOverlayOnAnArrayWithoutItemSchema_AddsOne()
    {
        var merged = SchemaOverlay.Merge(Element("""{"type":"object","properties":{"tags":{"type":"array"}}}"""),
            JsonNode.Parse("""{"properties":{"tags":{"items":{"enum":["a","b"]}}}}""")!.AsObject());

        Assert.Empty(merged.Problems);
        Assert.NotEmpty(Compile(merged.Schema).Validate(Element("""{"tags":["c"]}""")));
    }

    [Theory]
    [InlineData("""{"type":"object","properties":{"tags":{"type":"array","items":{"type":"string","maxLength":5}}}}""", "maxLength")]
    [InlineData("""{"type":"object","properties":{"tags":{"type":"array","items":[{"type":"string"}]}}}""", "items")]
    public void Merge_ItemsOverlayThatCannotTighten_IsAProblem(string upstream, string keyword)
    {
        var merged = SchemaOverlay.Merge(Element(upstream), JsonNode.Parse("""{"properties":{"tags":{"items":{"maxLength":10}}}}""")!.AsObject());

        Assert.Equal(keyword, Assert.Single(merged.Problems).Keyword);
    }

    /// <summary>
    /// Before, the overlay went into "items", which applies only after "prefixItems": a tuple's elements (pydantic's
    /// <c>tuple[str, str]</c>) were not tightened at all, and with <c>items: false</c> nothing was.
    /// </summary>
    [Theory]
    [InlineData("""{"prefixItems":[{"type":"string"},{"type":"string"}],"minItems":2,"maxItems":2}""")]
    [InlineData("""{"prefixItems":[{"type":"string"}],"items":false}""")]
    [InlineData("""{"prefixItems":[{"type":"string"}],"items":{"type":"string","maxLength":20}}""")]
    public void Merge_ItemsOverlayBesidePrefixItems_TightensEveryItem(string array)
    {
        var pair = JsonNode.Parse(array)!.AsObject();
        pair["type"] = "array";
        var upstream = Element(new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["pair"] = pair } });
        var overlay = JsonNode.Parse("""{"properties":{"pair":{"items":{"maxLength":3,"pattern":"^[a-z]+$"}}}}""")!.AsObject();

        var merged = SchemaOverlay.Merge(upstream, overlay);
        var schema = Compile(merged.Schema);

        Assert.Empty(merged.Problems);
        Assert.Contains(schema.Validate(Element("""{"pair":["abcdefgh; DROP TABLE","x"]}""")), d => d is { Path: "/pair/0", Keyword: "maxLength" });
        Assert.DoesNotContain(schema.Validate(Element("""{"pair":["ab","cd"]}""")), d => d.Keyword is "maxLength" or "pattern");
    }

    [Fact]
    public void Check_ItemsOverlayShape_IsCheckedLikeAnyOther()
    {
        var errors = OverlayShape.Check(JsonNode.Parse("""{"properties":{"tags":{"items":{"pattern":"((","minProperties":1}}}}""")!.AsObject(), "$.x").ToList();

        Assert.Equal(["$.x.properties.tags.items.minProperties", "$.x.properties.tags.items.pattern"], errors.Select(e => e.Path).Order());
        Assert.Single(OverlayShape.Check(JsonNode.Parse("""{"properties":{"tags":{"items":true}}}""")!.AsObject(), "$.x"));
    }
}
