using System.Text;
using Portcullis.Core.Schemas;
using static Portcullis.Core.Tests.Schemas.SchemaTestJson;

namespace Portcullis.Core.Tests.Schemas;

public sealed class ExactIntegerTypeKeywordTests
{
    [Theory]
    [InlineData("0", true)]
    [InlineData("-0", true)]
    [InlineData("0.000", true)]
    [InlineData("0e-999999999999", true)]
    [InlineData("1", true)]
    [InlineData("-17", true)]
    [InlineData("1.0", true)]
    [InlineData("1.50e1", true)]
    [InlineData("0.05e2", true)]
    [InlineData("1e400", true)]
    [InlineData("1.5e400", true)]
    [InlineData("100e-2", true)]
    [InlineData("12345678901234567890123456789012345", true)]
    [InlineData("1E+2", true)]
    [InlineData("1.5e99999999999", true)]
    [InlineData("0.0e-99999999999", true)]
    [InlineData("1.5", false)]
    [InlineData("1.0000000000000001", false)]
    [InlineData("1.00000000000000000000000000000001", false)]
    [InlineData("1e-400", false)]
    [InlineData("100e-3", false)]
    [InlineData("12345678901234567890123456789012345.5", false)]
    [InlineData("-0.5e0", false)]
    [InlineData("5e-1", false)]
    [InlineData("1e-99999999999", false)]
    public void IsInteger_TellsTheNumberAsWritten(string number, bool integer) =>
        Assert.Equal(integer, ExactIntegerTypeKeyword.IsInteger(Encoding.UTF8.GetBytes(number)));

    /// <summary>
    /// Before, JsonSchema.Net read each number as a double, so a fraction too fine for one (or a number too small)
    /// passed <c>type: integer</c> and reached the upstream as written.
    /// </summary>
    [Theory]
    [InlineData("1.0000000000000001")]
    [InlineData("1e-400")]
    [InlineData("12345678901234567890.5")]
    public void Validate_FractionADoubleLoses_IsNotAnInteger(string number)
    {
        var schema = Compile(Element("""{"type":"object","properties":{"n":{"type":"integer"},"k":{"type":["integer","string"]}}}"""));

        var details = schema.Validate(Element($$"""{"n":{{number}},"k":{{number}}}"""));

        Assert.Contains(details, d => d is { Path: "/n", Keyword: "type", Message: "must be an integer (got a number)" });
        Assert.Contains(details, d => d is { Path: "/k", Keyword: "type" });
    }

    [Theory]
    [InlineData("""{"n":1.0,"k":"x","m":1.0000000000000001}""")]
    [InlineData("""{"n":2.50e1,"k":-0,"m":1e-400}""")]
    public void Validate_IntegersAndNumbers_AreTakenAsBefore(string instance)
    {
        var schema = Compile(Element("""{"type":"object","properties":{"n":{"type":"integer"},"k":{"type":["integer","string"]},"m":{"type":["number","integer"]}}}"""));

        Assert.Empty(schema.Validate(Element(instance)));
    }
}
