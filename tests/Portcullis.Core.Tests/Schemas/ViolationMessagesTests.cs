using static Portcullis.Core.Tests.Schemas.SchemaTestJson;

namespace Portcullis.Core.Tests.Schemas;

public sealed class ViolationMessagesTests
{
    private static readonly Core.Schemas.CompiledSchema Schema = Compile(Element("""
        {"type":"object","required":["contact_id","body"],"additionalProperties":false,
         "properties":{"contact_id":{"type":"string"},"body":{"type":"string","maxLength":5},
                       "visibility":{"enum":["internal","shared"]},"when":{"type":"string","format":"date"},
                       "n":{"type":"integer","minimum":2},"tags":{"type":"array","maxItems":1,"items":{"type":"string","pattern":"^[a-z]+$"}}}}
        """));

    [Fact]
    public void Validate_EveryViolation_ReportedWithPointerKeywordAndWhatIsAccepted()
    {
        var details = Schema.Validate(Element("""{"body":"toolong","visibility":"x","extra":1,"when":"nope","n":1.5,"tags":["A","b"]}"""));

        var found = details.Select(d => (d.Path, d.Keyword, d.Message)).ToList();
        Assert.Contains(("/contact_id", "required", "is required"), found);
        Assert.Contains(("/body", "maxLength", "must be at most 5 characters long (got 7)"), found);
        Assert.Contains(("/visibility", "enum", "must be one of: internal, shared"), found);
        Assert.Contains(("/extra", "additionalProperties", "'extra' is not an accepted property; accepted: contact_id, body, visibility, when, n, tags"), found);
        Assert.Contains(("/when", "format", "must be a valid date"), found);
        Assert.Contains(("/n", "type", "must be an integer (got a number)"), found);
        Assert.Contains(("/n", "minimum", "must be at least 2"), found);
        Assert.Contains(("/tags", "maxItems", "must have at most 1 items"), found);
        Assert.Contains(("/tags/0", "pattern", "must match the pattern ^[a-z]+$"), found);
        Assert.DoesNotContain(found, d => d.Keyword is "properties" or "items" or "");
    }

    [Fact]
    public void Validate_PropertyNameNeedingEscape_UsesJsonPointerEscapes()
    {
        var schema = Compile(Element("""{"type":"object","required":["a/b","c~d"]}"""));

        var details = schema.Validate(Element("{}"));

        Assert.Equal(["/a~1b", "/c~0d"], details.Select(d => d.Path));
    }

    [Fact]
    public void Validate_CatastrophicPattern_FailsWithinTheMatchTimeout()
    {
        var schema = Compile(Element("""{"type":"object","properties":{"a":{"type":"string","pattern":"^(a+)+$"}}}"""));
        var started = System.Diagnostics.Stopwatch.StartNew();

        var details = schema.Validate(Element($$"""{"a":"{{new string('a', 40)}}b"}"""));

        Assert.True(started.Elapsed < TimeSpan.FromSeconds(20), $"took {started.Elapsed}");
        var detail = Assert.Single(details);
        Assert.Equal(("/a", "pattern"), (detail.Path, detail.Keyword));
        Assert.Contains("in time", detail.Message, StringComparison.Ordinal);
        Assert.Empty(schema.Validate(Element("""{"a":"aaaa"}""")));
    }
}
