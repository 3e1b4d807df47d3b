using static Portcullis.Core.Tests.Schemas.SchemaTestJson;

namespace Portcullis.Core.Tests.Schemas;

/// <summary>
/// <c>exclusiveMinimum</c> and <c>exclusiveMaximum</c> hold for the number as the upstream reads it, a double, as well as
/// for its exact value: before, a number with more precision than a double passed on its exact value and reached the
/// upstream as the very bound it excludes.
/// </summary>
public sealed class DoubleExclusiveBoundKeywordTests
{
    [Theory]
    [InlineData("""{"exclusiveMinimum":0}""", "1e-400", "exclusiveMinimum")]
    [InlineData("""{"exclusiveMinimum":0}""", "2e-324", "exclusiveMinimum")]
    [InlineData("""{"exclusiveMinimum":0.5}""", "0.50000000000000000001", "exclusiveMinimum")]
    [InlineData("""{"type":"number","exclusiveMaximum":100}""", "99.999999999999999", "exclusiveMaximum")]
    [InlineData("""{"exclusiveMaximum":1}""", "0.99999999999999999999", "exclusiveMaximum")]
    [InlineData("""{"exclusiveMaximum":-1}""", "-1.00000000000000000001", "exclusiveMaximum")]
    public void Validate_NumberADoubleReadsAsTheExcludedBound_FailsWithTheKeyword(string property, string value, string keyword)
    {
        var schema = Compile(Element("{\"type\":\"object\",\"properties\":{\"v\":" + property + "}}"));

        var detail = Assert.Single(schema.Validate(Element("{\"v\":" + value + "}")));

        Assert.Equal(("/v", keyword), (detail.Path, detail.Keyword));
    }

    [Theory]
    [InlineData("""{"exclusiveMinimum":0}""", "4e-324")]
    [InlineData("""{"exclusiveMinimum":0}""", "0.00000000000000000000000000000001")]
    [InlineData("""{"exclusiveMinimum":0}""", "1e400")]
    [InlineData("""{"exclusiveMaximum":1}""", "0.9999999999999999")]
    [InlineData("""{"exclusiveMaximum":0.1}""", "0.09999999999999999")]
    public void Validate_NumberBeyondTheBoundAsADoubleToo_Passes(string property, string value)
    {
        var schema = Compile(Element("{\"type\":\"object\",\"properties\":{\"v\":" + property + "}}"));

        Assert.Empty(schema.Validate(Element("{\"v\":" + value + "}")));
    }
}
