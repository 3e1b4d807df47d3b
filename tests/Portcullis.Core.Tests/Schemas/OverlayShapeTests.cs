using System.Text.Json.Nodes;
using Portcullis.Core.Schemas;

namespace Portcullis.Core.Tests.Schemas;

public sealed class OverlayShapeTests
{
    private const string At = "$.connectors[0].tools.add_note.input_schema";

    [Fact]
    public void Check_SampleOverlay_HasNoErrors()
    {
        var overlay = JsonNode.Parse("""
            {"required":["contact_id","body"],"additionalProperties":false,
             "properties":{"body":{"maxLength":2000,"minLength":1,"pattern":"^\\S"},"visibility":{"enum":["internal","shared"]},
                           "when":{"type":"string","format":"date"},"n":{"minimum":1,"exclusiveMaximum":10.5}}}
            """)!.AsObject();

        Assert.Empty(OverlayShape.Check(overlay, At));
    }

    [Theory]
    [InlineData("""{"minProperties":1}""", ".minProperties")]
    [InlineData("""{"additionalProperties":true}""", ".additionalProperties")]
    [InlineData("""{"properties":{"body":{"maxLength":-1}}}""", ".properties.body.maxLength")]
    [InlineData("""{"properties":{"body":{"maxLength":2.5}}}""", ".properties.body.maxLength")]
    [InlineData("""{"properties":{"body":{"maxLength":"ten"}}}""", ".properties.body.maxLength")]
    [InlineData("""{"properties":{"body":{"pattern":"(("}}}""", ".properties.body.pattern")]
    [InlineData("""{"properties":{"body":{"format":"colour"}}}""", ".properties.body.format")]
    [InlineData("""{"properties":{"body":{"type":"text"}}}""", ".properties.body.type")]
    [InlineData("""{"properties":{"body":{"enum":[]}}}""", ".properties.body.enum")]
    [InlineData("""{"properties":{"body":{"minLength":5,"maxLength":2}}}""", ".properties.body.minLength")]
    [InlineData("""{"properties":{"n":{"minimum":5,"maximum":2}}}""", ".properties.n.minimum")]
    [InlineData("""{"properties":{"a b":{"$ref":"#/x"}}}""", ".properties['a b'].$ref")]
    [InlineData("""{"required":"body"}""", ".required")]
    [InlineData("""{"properties":{"body":true}}""", ".properties.body")]
    public void Check_BadOverlay_ReportsTheJsonPath(string overlay, string path)
    {
        var errors = OverlayShape.Check(JsonNode.Parse(overlay)!.AsObject(), At).ToList();

        Assert.Contains(errors, e => e.Path == At + path);
    }
}
