using Portcullis.Core.Schemas;
using static Portcullis.Core.Tests.Schemas.SchemaTestJson;

namespace Portcullis.Core.Tests.Schemas;

/// <summary><c>const</c>, <c>enum</c> and <c>uniqueItems</c> compare numbers by their exact value, whatever their size.</summary>
public sealed class ExactValueKeywordsTests
{
    /// <summary>Before, the library compared through <see cref="decimal"/>: a number beyond its range threw, and the call answered <c>internal</c>.</summary>
    [Theory]
    [InlineData("""{"const":1e300}""", "1e300")]
    [InlineData("""{"const":{"a":[1e29]}}""", """{"a":[10e28]}""")]
    [InlineData("""{"enum":[1e300,"x"]}""", "1e+300")]
    [InlineData("""{"const":1}""", "1.0")]
    [InlineData("""{"enum":[{"a":1,"b":2}]}""", """{"b":2,"a":1}""")]
    [InlineData("""{"type":"array","uniqueItems":true}""", "[1e29,1e30,-1e300,1]")]
    public void Validate_EqualValuesOfAnySize_Pass(string property, string value)
    {
        var schema = Compile(Element("{\"type\":\"object\",\"properties\":{\"v\":" + property + "}}"));

        Assert.Empty(schema.Validate(Element("{\"v\":" + value + "}")));
    }

    [Theory]
    [InlineData("""{"const":1e300}""", "1e301", "const")]
    [InlineData("""{"const":1}""", "1.00000000000000000000000000001", "const")]
    [InlineData("""{"enum":[1e29]}""", "1e28", "enum")]
    [InlineData("""{"enum":[100]}""", "100.000000000000000000000000001", "enum")]
    [InlineData("""{"type":"array","uniqueItems":true}""", "[1e29,10e28]", "uniqueItems")]
    [InlineData("""{"type":"array","uniqueItems":true}""", """[{"a":1.0,"b":[1e300]},{"b":[1e+300],"a":1}]""", "uniqueItems")]
    public void Validate_DifferentOrRepeatedValues_FailWithTheKeyword(string property, string value, string keyword)
    {
        var schema = Compile(Element("{\"type\":\"object\",\"properties\":{\"v\":" + property + "}}"));

        var detail = Assert.Single(schema.Validate(Element("{\"v\":" + value + "}")));

        Assert.Equal(("/v", keyword), (detail.Path, detail.Keyword));
    }

    [Fact]
    public void Validate_DistinctItemsThatADecimalRoundsAlike_Pass()
    {
        var schema = Compile(Element("""{"type":"object","properties":{"v":{"type":"array","uniqueItems":true}}}"""));

        Assert.Empty(schema.Validate(Element("""{"v":[1,1.00000000000000000000000000001]}""")));
    }
}
