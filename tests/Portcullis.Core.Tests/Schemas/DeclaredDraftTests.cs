using Portcullis.Core.Schemas;
using static Portcullis.Core.Tests.Schemas.SchemaTestJson;

namespace Portcullis.Core.Tests.Schemas;

/// <summary>
/// A schema that declares its draft (<c>$schema</c>, as TypeScript servers' schemas do) keeps the gateway's keywords:
/// before, the library built it with its own dialect for that draft, so patterns ran without the budget and with .NET's
/// meaning, and numbers beyond a decimal's range failed the check with an exception.
/// </summary>
public sealed class DeclaredDraftTests
{
    public static TheoryData<string> Drafts => new()
    {
        "https://json-schema.org/draft/2020-12/schema",
        "https://json-schema.org/draft/2020-12/schema#",
        "https://json-schema.org/draft/2019-09/schema",
        "http://json-schema.org/draft-07/schema#",
        "http://json-schema.org/draft-07/schema",
        "http://json-schema.org/draft-06/schema#",
    };

    [Theory]
    [MemberData(nameof(Drafts))]
    public void Validate_HugeNumbersUnderConstEnumAndUniqueItems_AreComparedExactly(string draft)
    {
        var schema = Compile(Element("{\"$schema\":\"" + draft + "\",\"type\":\"object\",\"properties\":{\"u\":{\"type\":\"array\",\"uniqueItems\":true},\"c\":{\"const\":1e300},\"e\":{\"enum\":[1e30]}}}"));

        Assert.Empty(schema.Validate(Element("""{"u":[1e29,1e30,-1e300,1],"c":1e300,"e":1e+30}""")));
        Assert.Equal(["/u", "/c"], schema.Validate(Element("""{"u":[1e30,10e29],"c":1e301}""")).Select(d => d.Path).Order(StringComparer.Ordinal).Reverse());
    }

    [Theory]
    [MemberData(nameof(Drafts))]
    public async Task Validate_HostilePattern_StopsAtTheMatchTimeout(string draft)
    {
        // The backreference keeps the pattern off the linear engine: without the timeout, this match runs for hours.
        var schema = SchemaCompiler.TryCompile(
            Element("{\"$schema\":\"" + draft + "\",\"type\":\"object\",\"properties\":{\"p\":{\"type\":\"string\",\"pattern\":\"^(a+)+\\\\1$\"}}}"),
            TimeSpan.FromMilliseconds(50), out var failure) ?? throw new InvalidOperationException(failure);

        var details = await Task.Run(() => schema.Validate(Element("{\"p\":\"" + new string('a', 40) + "!\"}"))).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(ViolationMessages.NotCheckedInTime, details[0]);
        Assert.Equal("/p", Assert.Single(details.Skip(1)).Path);
    }

    [Theory]
    [MemberData(nameof(Drafts))]
    public void Validate_PatternWithADigitClass_MeansAsciiDigitsOnly(string draft)
    {
        // ECMA-262's \d is [0-9]; .NET's matches every Unicode decimal digit, such as Arabic-Indic ٣.
        var schema = Compile(Element("{\"$schema\":\"" + draft + "\",\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\",\"pattern\":\"^\\\\d+$\"}}}"));

        Assert.Empty(schema.Validate(Element("""{"id":"123"}""")));
        Assert.Equal("/id", Assert.Single(schema.Validate(Element("{\"id\":\"1\u0663\"}"))).Path);
    }

    [Theory]
    [MemberData(nameof(Drafts))]
    public void Validate_Format_IsAssertedUnderEveryDraft(string draft)
    {
        var schema = Compile(Element("{\"$schema\":\"" + draft + "\",\"type\":\"object\",\"properties\":{\"at\":{\"type\":\"string\",\"format\":\"date-time\"}}}"));

        Assert.Empty(schema.Validate(Element("""{"at":"2026-12-06T10:00:00Z"}""")));
        Assert.Equal("/at", Assert.Single(schema.Validate(Element("""{"at":"yesterday"}"""))).Path);
    }

    [Fact]
    public void Compile_Draft07_KeepsItsOwnMeaningOfItemsAndDependencies()
    {
        var schema = Compile(Element("""
            {"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"pair":{"type":"array","items":[{"type":"string"},{"type":"integer"}]}},
             "dependencies":{"a":["b"]}}
            """));

        Assert.Empty(schema.Validate(Element("""{"pair":["x",1],"a":1,"b":2}""")));
        Assert.Equal(2, schema.Validate(Element("""{"pair":[1,"x"]}""")).Count);
        Assert.Single(schema.Validate(Element("""{"a":1}""")));
    }

    [Fact]
    public void Compile_EmbeddedResourceDeclaringAnotherDraft_StaysUnderTheRootsKeywords()
    {
        var schema = Compile(Element("""
            {"type":"object","properties":{"x":{"$id":"urn:portcullis:x","$schema":"http://json-schema.org/draft-07/schema#","type":"array","uniqueItems":true}}}
            """));

        Assert.Empty(schema.Validate(Element("""{"x":[1e30,1e31]}""")));
    }

    [Theory]
    [InlineData("""{"$schema":"http://json-schema.org/draft-04/schema#","type":"object"}""", "draft-04")]
    [InlineData("""{"$schema":"https://example.com/my-dialect","type":"object"}""", "my-dialect")]
    [InlineData("""{"$schema":7,"type":"object"}""", "not a string")]
    public void Compile_UnknownDraft_FailsSayingWhich(string schema, string expected)
    {
        Assert.Null(SchemaCompiler.TryCompile(Element(schema), out var failure));
        Assert.Contains(expected, failure, StringComparison.Ordinal);
    }

    /// <summary>The failure repeats the upstream's text in the log and in lint: a long or multi-line one is cut and escaped.</summary>
    [Fact]
    public void Compile_UnknownDraftOfLongText_RepeatsItCutAndOnOneLine()
    {
        var uri = "https://example.com/\\n" + new string('x', 5000);

        Assert.Null(SchemaCompiler.TryCompile(Element("{\"$schema\":\"" + uri + "\",\"type\":\"object\"}"), out var failure));

        Assert.True(failure!.Length < 400, failure);
        Assert.DoesNotContain('\n', failure);
    }
}
