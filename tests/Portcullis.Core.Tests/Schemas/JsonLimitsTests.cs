using CsCheck;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portcullis.Core.Schemas;
using static Portcullis.Core.Tests.Schemas.SchemaTestJson;

namespace Portcullis.Core.Tests.Schemas;

public sealed class JsonLimitsTests
{
    [Theory]
    [InlineData(3, 3, true)]
    [InlineData(3, 4, false)]
    [InlineData(10, 10, true)]
    public void Check_NestingAgainstMaxDepth_RefusesOnlyPastTheLimit(int maxDepth, int depth, bool accepted)
    {
        // The arguments object is level 1; each nested object adds one.
        JsonNode value = 1;
        for (var i = 0; i < depth; i++)
        {
            value = new JsonObject { ["n"] = value };
        }

        var arguments = ((JsonObject)value).ToDictionary(p => p.Key, p => Element(p.Value!.ToJsonString()));
        var problem = JsonLimits.Check(arguments, maxDepth, 1000);

        Assert.Equal(accepted, problem is null);
        if (problem is not null)
        {
            Assert.Equal("max_depth", problem.Keyword);
        }
    }

    [Fact]
    public void Check_LongStringInArray_ReportsItsPointer()
    {
        var arguments = new Dictionary<string, JsonElement> { ["list"] = Element("""["ok", "0123456789abcdef"]""") };

        var problem = JsonLimits.Check(arguments, 10, 10);

        Assert.Equal(("/list/1", "max_string_length"), (problem!.Path, problem.Keyword));
    }

    [Theory]
    [InlineData("""{"a": 1, "b": [1, 2, 3]}""", 5, null)]
    [InlineData("""{"a": 1, "b": [1, 2, 3]}""", 4, "/b/2")]
    [InlineData("""{"a": 1, "b": {"c": {"d": 1}}}""", 3, "/b/c/d")]
    [InlineData("""{}""", 16, null)]
    public void CheckValues_AResultAgainstMaxValues_ReportsTheFirstValuePastIt(string result, int maxValues, string? path)
    {
        var problem = JsonLimits.CheckValues(Element(result), maxValues);

        Assert.Equal(path, problem?.Path);
        Assert.Equal(path is null ? null : "max_values", problem?.Keyword);
    }

    [Fact]
    public void CheckValues_DepthLongStringsAndHugeNumbers_AreNotJudged()
    {
        JsonNode deep = 1e300;
        for (var i = 0; i < 60; i++)
        {
            deep = new JsonObject { ["n"] = deep };
        }

        var result = Element($$"""{"deep": {{deep.ToJsonString()}}, "long": "{{new string('x', 100_000)}}", "huge": 1e400}""");

        Assert.Null(JsonLimits.CheckValues(result, 100));
    }

    [Theory]
    [InlineData("1e400", false)]
    [InlineData("-1E+309", false)]
    [InlineData("1.7976931348623159e308", false)]
    [InlineData("1.7976931348623157e308", true)]
    [InlineData("-1.7976931348623157E+308", true)]
    [InlineData("1e-400", true)]
    [InlineData("0.000000000000000000000000000000000000000000000000000000001", true)]
    [InlineData("123456789012345678901234567890", true)]
    [InlineData("3", true)]
    public void Check_NumberAgainstADoublesRange_RefusesOnlyOneBeyondIt(string number, bool accepted)
    {
        var arguments = new Dictionary<string, JsonElement> { ["ok"] = Element("1"), ["deep"] = Element($$"""{"list": [0, {{number}}]}""") };

        var problem = JsonLimits.Check(arguments, 10, 100);

        Assert.Equal(accepted, problem is null);
        if (problem is not null)
        {
            Assert.Equal(("/deep/list/1", "max_number"), (problem.Path, problem.Keyword));
            Assert.Contains("64-bit floating-point", problem.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Check_IntegerOfMoreDigitsThanADoubleReaches_IsRefused()
    {
        var arguments = new Dictionary<string, JsonElement> { ["n"] = Element("1" + new string('0', 309)) };

        Assert.Equal("max_number", JsonLimits.Check(arguments, 10, 100)?.Keyword);
        Assert.Null(JsonLimits.Check(new Dictionary<string, JsonElement> { ["n"] = Element("1" + new string('0', 308)) }, 10, 100));
    }

    [Theory]
    [InlineData(6, null)]
    [InlineData(5, "/deep/list/1/k")]
    [InlineData(4, "/deep/list/1")]
    [InlineData(1, "/deep")]
    public void Check_ValuesAgainstMaxValues_CountsEveryMemberAndItemAndPointsAtTheFirstPast(int maxValues, string? at)
    {
        // ok, deep, list, 0, {…} and k (a member is one value with its name): six.
        var arguments = new Dictionary<string, JsonElement> { ["ok"] = Element("1"), ["deep"] = Element("""{"list": [0, {"k": true}]}""") };

        var problem = JsonLimits.Check(arguments, 10, 100, maxValues);

        Assert.Equal(at, problem?.Path);
        if (problem is not null)
        {
            Assert.Equal("max_values", problem.Keyword);
            Assert.Contains($"past the {maxValues} values", problem.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Check_EscapedStringWithinLimit_IsAccepted()
    {
        var arguments = new Dictionary<string, JsonElement> { ["s"] = Element("\"\\u00e9\\u00e9\\u00e9\"") };

        Assert.Null(JsonLimits.Check(arguments, 10, 3));
    }

    [Fact]
    public void Utf16Length_RawUtf8WithEscapes_PassesTheLimitExactlyWhenTheDecodedStringDoes()
    {
        // Escaped quotes and controls, BMP characters of every UTF-8 width, and surrogate pairs (raw or escaped).
        var text = Gen.OneOfConst("a", "é", "€", "😀", "\"", "\n", "\u0001", "\\").Array[0, 40].Select(string.Concat);
        Gen.Select(text, Gen.Int[0, 100], Gen.Bool).Sample((value, limit, asciiOnly) =>
        {
            var json = JsonSerializer.Serialize(value, asciiOnly ? AsciiOnly : Relaxed);
            var raw = System.Text.Encoding.UTF8.GetBytes(json)[1..^1];

            return JsonLimits.Utf16Length(raw, limit) > limit == value.Length > limit;
        });
    }

    private static readonly JsonSerializerOptions AsciiOnly = new();
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
