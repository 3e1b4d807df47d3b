using Portcullis.Core.Schemas;
using static Portcullis.Core.Tests.Schemas.SchemaTestJson;

namespace Portcullis.Core.Tests.Schemas;

public sealed class SchemaCompilerTests
{
    [Theory]
    [InlineData("""{"type":"object","properties":{"a":{"$ref":"https://127.0.0.1:9/never.json"}}}""", "https://127.0.0.1:9/never.json")]
    [InlineData("""{"type":"object","properties":{"a":{"$ref":"other.json#/x"}}}""", "other.json#/x")]
    [InlineData("""{"type":"object","properties":{"a":{"$ref":"#/$defs/missing"}}}""", "#/$defs/missing")]
    [InlineData("""{"type":"object","properties":{"a":{"$ref":"#nowhere"}}}""", "#nowhere")]
    public void TryCompile_ReferenceOutsideTheSchema_FailsWithoutFetching(string schema, string reference)
    {
        var compiled = SchemaCompiler.TryCompile(Element(schema), out var failure);

        Assert.Null(compiled);
        Assert.Contains(reference, failure, StringComparison.Ordinal);
    }

    [Fact]
    public void TryCompile_IdWithRemoteMetaReference_FailsInsteadOfFetching()
    {
        var compiled = SchemaCompiler.TryCompile(Element("""{"$id":"https://example.invalid/s","allOf":[{"$ref":"https://example.invalid/base"}]}"""), out var failure);

        Assert.Null(compiled);
        Assert.NotNull(failure);
    }

    [Fact]
    public void TryCompile_Draft07ArrayItems_Fails()
    {
        var compiled = SchemaCompiler.TryCompile(Element("""{"type":"object","properties":{"t":{"type":"array","items":[{"type":"string"}]}}}"""), out var failure);

        Assert.Null(compiled);
        Assert.Contains("items", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void TryCompile_LocalReferencesAndAnchors_Compile()
    {
        var schema = Compile(Element("""
            {"type":"object","properties":{"a":{"$ref":"#/$defs/v"},"b":{"$ref":"#named"}},
             "$defs":{"v":{"enum":["x"]},"w":{"$anchor":"named","type":"integer"}}}
            """));

        Assert.Empty(schema.Validate(Element("""{"a":"x","b":3}""")));
        var details = schema.Validate(Element("""{"a":"y","b":"no"}"""));
        Assert.Contains(details, d => d is { Path: "/a", Keyword: "enum", Message: "must be one of: x" });
        Assert.Contains(details, d => d is { Path: "/b", Keyword: "type" });
    }

    /// <summary>
    /// Before, such a schema compiled, and checking one call against it visited 2^depth subschemas: seconds of CPU at
    /// depth 16, and gigabytes of memory without an answer at 24.
    /// </summary>
    [Theory]
    [InlineData(16)]
    [InlineData(40)]
    public void TryCompile_ReferencesBranchingAtEveryStep_Fail(int depth)
    {
        var defs = string.Concat(Enumerable.Range(0, depth).Select(i =>
            $"\"a{i}\":{{\"anyOf\":[{{\"$ref\":\"#/$defs/a{i + 1}\"}},{{\"$ref\":\"#/$defs/a{i + 1}\"}}]}},"));
        var schema = "{\"type\":\"object\",\"properties\":{\"x\":{\"$ref\":\"#/$defs/a0\"}},\"$defs\":{" + defs + $"\"a{depth}\":{{\"type\":\"integer\"}}}}}}";

        var compiled = SchemaCompiler.TryCompile(Element(schema), out var failure);

        Assert.Null(compiled);
        Assert.Contains("more than 10000 subschemas", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void TryCompile_RecursiveTreeAndSharedDefinitions_Compile()
    {
        // A node whose children are nodes, and one definition referred to from many places: both ordinary.
        var shared = string.Concat(Enumerable.Range(0, 50).Select(i => $",\"p{i}\":{{\"$ref\":\"#/$defs/person\"}}"));
        var schema = Compile(Element(
            "{\"type\":\"object\",\"properties\":{\"tree\":{\"$ref\":\"#/$defs/node\"}" + shared + "}," +
            """
            "$defs":{"node":{"type":"object","properties":{"name":{"type":"string"},"children":{"type":"array","items":{"$ref":"#/$defs/node"}}}},
                     "person":{"type":"object","properties":{"name":{"type":"string"},"email":{"type":"string","format":"email"}}}}}
            """));

        Assert.Empty(schema.Validate(Element("""{"tree":{"name":"a","children":[{"name":"b","children":[]}]},"p3":{"name":"x"}}""")));
        Assert.NotEmpty(schema.Validate(Element("""{"tree":{"name":"a","children":[{"name":5}]}}""")));
    }

    /// <summary>
    /// Before, these compiled, and checking the first call against one recursed until the stack overflowed, which ended
    /// the gateway's process (a .NET stack overflow cannot be caught): every connector down, writes in flight unknown.
    /// </summary>
    [Theory]
    [InlineData("""{"type":"object","allOf":[{"$ref":"#"}]}""")]
    [InlineData("""{"type":"object","properties":{"x":{"$ref":"#/$defs/a"}},"$defs":{"a":{"anyOf":[{"$ref":"#/$defs/b"}]},"b":{"not":{"$ref":"#/$defs/a"}}}}""")]
    [InlineData("""{"type":"object","properties":{"x":{"$id":"urn:loop","oneOf":[{"$ref":"#"}]}}}""")]
    [InlineData("""{"type":"object","if":{"$ref":"#/$defs/a"},"$defs":{"a":{"then":{"$ref":"#/$defs/a"}}}}""")]
    [InlineData("""{"type":"object","dependentSchemas":{"k":{"$ref":"#"}}}""")]
    [InlineData("""{"$dynamicAnchor":"m","type":"object","anyOf":[{"$dynamicRef":"#m"}]}""")]
    [InlineData("""{"$dynamicAnchor":"m","type":"object","anyOf":[{"$dynamicRef":"#%6D"}]}""")]
    public void TryCompile_SubschemasApplyingThemselvesToTheSameValue_Fail(string schema)
    {
        var compiled = SchemaCompiler.TryCompile(Element(schema), out var failure);

        Assert.Null(compiled);
        Assert.Contains("checking any value would never end", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void TryCompile_DynamicReferenceThatIsNotAnAnchor_Fails()
    {
        var compiled = SchemaCompiler.TryCompile(Element("""{"type":"object","properties":{"x":{"$dynamicRef":"#/$defs/a"}},"$defs":{"a":{"type":"string"}}}"""), out var failure);

        Assert.Null(compiled);
        Assert.Contains("is not a plain anchor", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void TryCompile_RecursionThroughAMemberOrAnItem_CompilesAndEndsWithTheValue()
    {
        var schema = Compile(Element("""
            {"type":"object","properties":{"name":{"type":"string"},"next":{"allOf":[{"$ref":"#"}]},
             "list":{"type":"array","items":{"anyOf":[{"$ref":"#"},{"type":"null"}]}}}}
            """));
        var deep = string.Concat(Enumerable.Repeat("{\"next\":", 30)) + "{\"name\":5}" + new string('}', 30);

        Assert.Empty(schema.Validate(Element("""{"next":{"list":[null,{"name":"a"}]}}""")));
        Assert.NotEmpty(schema.Validate(Element(deep)));
    }

    [Fact]
    public void TryCompile_UnknownKeywords_AreIgnoredAsIn2020_12()
    {
        var schema = Compile(Element("""{"type":"object","x-ui":{"hint":1},"properties":{"a":{"type":"string","widget":"big"}}}"""));

        Assert.Empty(schema.Validate(Element("""{"a":"x"}""")));
    }

    [Fact]
    public void GetOrCompile_SameSchemaTwice_CompilesOnce()
    {
        var cache = new SchemaCache();
        var schema = Element("""{"type":"object"}""");

        var first = cache.GetOrCompile("c", "t", "input", schema);
        var second = cache.GetOrCompile("c", "t", "input", Element("""{"type":"object"}"""));
        var changed = cache.GetOrCompile("c", "t", "input", Element("""{"type":"object","required":["a"]}"""));

        Assert.Same(first.Schema, second.Schema);
        Assert.NotSame(first.Schema, changed.Schema);
        Assert.Equal(2, cache.Count);
    }
}
