using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CsCheck;
using Portcullis.Core.Schemas;
using static Portcullis.Core.Tests.Schemas.SchemaTestJson;

namespace Portcullis.Core.Tests.Schemas;

/// <summary>
/// Generated instances are accepted by the effective schema exactly when a direct predicate says the overlay
/// (and the upstream) allow them; and merging never loosens the upstream's schema.
/// </summary>
public sealed class OverlayPropertyTests
{
    private static readonly Gen<string> Text = Gen.String[Gen.Char["abcXY \u00e9"], 0, 12];

    private static bool Accepts(JsonNode upstreamProperty, JsonObject overlayProperty, JsonNode? value, out IReadOnlyList<OverlayProblem> problems)
    {
        var upstream = Element(new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["v"] = upstreamProperty.DeepClone() } });
        var overlay = new JsonObject { ["properties"] = new JsonObject { ["v"] = overlayProperty.DeepClone() } };
        var merged = SchemaOverlay.Merge(upstream, overlay);
        problems = merged.Problems;
        return Compile(merged.Schema).Validate(Arguments(value)).Count == 0;
    }

    private static int CodePoints(string s) => s.EnumerateRunes().Count();

    [Fact]
    public void MaxAndMinLength_AcceptExactlyStringsWithinBounds()
    {
        Gen.Select(Text, Gen.Int[0, 8], Gen.Int[0, 8]).Sample((s, max, min) =>
        {
            var accepted = Accepts(new JsonObject { ["type"] = "string" }, new JsonObject { ["maxLength"] = max, ["minLength"] = min }, s, out var problems);

            Assert.Empty(problems);
            Assert.Equal(CodePoints(s) <= max && CodePoints(s) >= min, accepted);
        });
    }

    [Fact]
    public void NumericBounds_AcceptExactlyNumbersWithinBounds()
    {
        var bound = Gen.Int[-20, 20];
        Gen.Select(Gen.Int[-30, 30], Gen.Double[-30, 30], bound, bound, Gen.Int[0, 3]).Sample((i, d, a, b, kind) =>
        {
            var keyword = kind switch { 0 => "minimum", 1 => "maximum", 2 => "exclusiveMinimum", _ => "exclusiveMaximum" };
            foreach (var value in new[] { i, Math.Round(d, 2), a, b })
            {
                var accepted = Accepts(new JsonObject { ["type"] = "number" }, new JsonObject { [keyword] = a }, value, out _);
                var expected = kind switch { 0 => value >= a, 1 => value <= a, 2 => value > a, _ => value < a };

                Assert.Equal(expected, accepted);
            }
        });
    }

    [Fact]
    public void Enum_AcceptsExactlyListedValues()
    {
        var universe = new[] { "internal", "shared", "public", "secret", "x" };
        Gen.Select(Gen.Int[1, 31], Gen.Int[0, 4]).Sample((mask, pick) =>
        {
            var allowed = universe.Where((_, i) => (mask & (1 << i)) != 0).ToList();
            var overlay = new JsonObject { ["enum"] = new JsonArray([.. allowed.Select(a => (JsonNode)a)]) };

            var accepted = Accepts(new JsonObject { ["type"] = "string", ["enum"] = new JsonArray([.. universe.Select(u => (JsonNode)u)]) }, overlay, universe[pick], out var problems);

            Assert.Empty(problems);
            Assert.Equal(allowed.Contains(universe[pick]), accepted);
        });
    }

    /// <summary>
    /// Before, an enum on a C# SDK server's optional parameter (<c>["string", "null"]</c>, <c>default: null</c>) kept both,
    /// so the schema agents saw offered a default and a type the gateway refused.
    /// </summary>
    [Fact]
    public void Enum_OnNullableWithDefault_AdvertisesOnlyAValueItAccepts()
    {
        var universe = new JsonNode?[] { "internal", "shared", "public", null };
        Gen.Select(Gen.Int[1, 15], Gen.Int[0, 3]).Sample((mask, pick) =>
        {
            var allowed = universe.Where((_, i) => (mask & (1 << i)) != 0).ToList();
            var upstream = new JsonObject { ["type"] = new JsonArray("string", "null"), ["default"] = universe[pick]?.DeepClone() };
            var overlay = new JsonObject { ["enum"] = new JsonArray([.. allowed.Select(a => a?.DeepClone())]) };

            var property = Merged(upstream, overlay);

            if (property.TryGetPropertyValue("default", out var fallback))
            {
                Assert.True(Accepts(upstream, overlay, fallback, out _), $"default {fallback?.ToJsonString() ?? "null"} of {property.ToJsonString()}");
            }

            var types = property["type"] is JsonArray list ? list.Select(t => t!.ToString()).ToList() : [property["type"]!.ToString()];
            Assert.Equal(Accepts(upstream, overlay, null, out _), types.Contains("null"));
            foreach (var value in universe)
            {
                Assert.Equal(allowed.Any(a => JsonNode.DeepEquals(a, value)), Accepts(upstream, overlay, value, out _));
            }
        });
    }

    /// <summary>An overlay restating the nullable type after its enum merges as one that states it first.</summary>
    [Fact]
    public void Enum_ThenTheUpstreamsOwnType_MergesWithoutAProblem()
    {
        var upstream = new JsonObject { ["type"] = new JsonArray("string", "null"), ["default"] = null };
        foreach (var overlay in new[]
        {
            new JsonObject { ["enum"] = new JsonArray("a", "b"), ["type"] = new JsonArray("string", "null") },
            new JsonObject { ["type"] = new JsonArray("string", "null"), ["enum"] = new JsonArray("a", "b") },
        })
        {
            var schema = Element(new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["v"] = upstream.DeepClone() } });
            var merged = SchemaOverlay.Merge(schema, new JsonObject { ["properties"] = new JsonObject { ["v"] = overlay.DeepClone() } });

            Assert.Empty(merged.Problems);
            var property = JsonNode.Parse(merged.Schema.GetRawText())!["properties"]!["v"]!.AsObject();
            Assert.Equal("string", property["type"]!.ToString());
            Assert.False(property.ContainsKey("default"));
        }
    }

    private static JsonObject Merged(JsonObject upstreamProperty, JsonObject overlayProperty)
    {
        var upstream = Element(new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["v"] = upstreamProperty.DeepClone() } });
        var merged = SchemaOverlay.Merge(upstream, new JsonObject { ["properties"] = new JsonObject { ["v"] = overlayProperty.DeepClone() } });
        return JsonNode.Parse(merged.Schema.GetRawText())!["properties"]!["v"]!.AsObject();
    }

    [Fact]
    public void Pattern_AcceptsExactlyMatchingStrings()
    {
        Gen.Select(Gen.String[Gen.Char["abcd"], 0, 6], Gen.Int[0, 3], Gen.Int[0, 3], Gen.Char["abc"]).Sample((s, low, extra, first) =>
        {
            var pattern = $"^{first}[a-c]{{{low},{low + extra}}}$";

            var accepted = Accepts(new JsonObject { ["type"] = "string" }, new JsonObject { ["pattern"] = pattern }, s, out _);

            Assert.Equal(Regex.IsMatch(s, pattern, RegexOptions.None, TimeSpan.FromSeconds(1)), accepted);
        });
    }

    [Fact]
    public void Pattern_WithUpstreamPattern_BothMustMatch()
    {
        Gen.String[Gen.Char["ab"], 0, 5].Sample(s =>
        {
            var accepted = Accepts(new JsonObject { ["type"] = "string", ["pattern"] = "^a" }, new JsonObject { ["pattern"] = "b$" }, s, out _);

            Assert.Equal(s.StartsWith('a') && s.EndsWith('b'), accepted);
        });
    }

    private static readonly Gen<JsonObject> Constraints =
        Gen.Select(Gen.Int[0, 10].Array[6], Gen.Bool.Array[6], Gen.Int[0, 31]).Select((numbers, present, mask) =>
        {
            var schema = new JsonObject();
            string[] keywords = ["maxLength", "minLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"];
            for (var k = 0; k < keywords.Length; k++)
            {
                if (present[k])
                {
                    schema[keywords[k]] = numbers[k];
                }
            }

            if (mask != 0)
            {
                var values = new[] { "a", "bb", "ccc", "dddd", "eeeee" };
                schema["enum"] = new JsonArray([.. values.Where((_, i) => (mask & (1 << i)) != 0).Select(v => (JsonNode)v)]);
            }

            return schema;
        });

    private static readonly Gen<JsonNode?> Instances = Gen.OneOf(
        Gen.OneOfConst("a", "bb", "ccc", "dddd", "eeeee", "", "zzzzzzzzzzzz").Select(s => (JsonNode?)s),
        Gen.Int[-2, 12].Select(i => (JsonNode?)i),
        Gen.Double[-2, 12].Select(d => (JsonNode?)Math.Round(d, 1)));

    [Fact]
    public void Merge_NeverAcceptsWhatTheUpstreamRefuses_AndWithoutProblemsIsTheConjunction()
    {
        Gen.Select(Constraints, Constraints, Instances).Sample((upstream, overlay, value) =>
        {
            var accepted = Accepts(upstream, overlay, value, out var problems);
            var upstreamAccepts = Compile(Element(new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["v"] = upstream.DeepClone() } }))
                .Validate(Arguments(value)).Count == 0;
            var overlayAccepts = Compile(Element(new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["v"] = overlay.DeepClone() } }))
                .Validate(Arguments(value)).Count == 0;

            Assert.True(!accepted || upstreamAccepts, $"merged accepts {value?.ToJsonString()} which the upstream {upstream.ToJsonString()} refuses (overlay {overlay.ToJsonString()})");
            if (problems.Count == 0)
            {
                Assert.Equal(upstreamAccepts && overlayAccepts, accepted);
            }
        });
    }

    [Fact]
    public void Merge_LooseningOverlay_IsReportedForTheKeyword()
    {
        Gen.Select(Gen.Int[0, 10], Gen.Int[1, 5]).Sample((limit, widen) =>
        {
            Accepts(new JsonObject { ["maxLength"] = limit, ["minimum"] = limit }, new JsonObject { ["maxLength"] = limit + widen, ["minimum"] = limit - widen }, "x", out var problems);

            Assert.Equal(["maxLength", "minimum"], problems.Select(p => p.Keyword).Order(StringComparer.Ordinal));
            Assert.All(problems, p => Assert.Contains(limit.ToString(CultureInfo.InvariantCulture), p.Message, StringComparison.Ordinal));
        });
    }

    /// <summary>
    /// Before, an upstream bound that is not a number ("5") threw while merging, and the whole connector's catalog failed
    /// to build: every other tool answered upstream_unavailable. It is left to the compiler, which refuses that tool alone.
    /// </summary>
    [Theory]
    [InlineData("\"5\"")]
    [InlineData("true")]
    [InlineData("{}")]
    public void Merge_UpstreamBoundThatIsNotANumber_IsLeftForTheCompilerToRefuse(string bound)
    {
        var upstream = Element("{\"type\":\"object\",\"properties\":{\"body\":{\"type\":\"string\",\"maxLength\":" + bound + "}}}");

        var merged = SchemaOverlay.Merge(upstream, JsonNode.Parse("""{"properties":{"body":{"maxLength":5}}}""")!.AsObject());

        Assert.Empty(merged.Problems);
        Assert.Null(SchemaCompiler.TryCompile(merged.Schema, out _));
    }

    /// <summary>Before, "additionalProperties" written before "properties" closed the object first, and the upstream's own property was refused as not declared.</summary>
    [Theory]
    [InlineData("""{"additionalProperties":false,"properties":{"body":{"maxLength":3}}}""")]
    [InlineData("""{"properties":{"body":{"maxLength":3}},"additionalProperties":false}""")]
    public void Merge_AdditionalPropertiesInEitherOrder_TightensTheSame(string overlay)
    {
        // The upstream declares its properties in a definition: "body" is added beside the reference, then closed.
        var upstream = Element("""{"type":"object","$ref":"#/$defs/X","$defs":{"X":{"properties":{"body":{"type":"string"}}}}}""");

        var merged = SchemaOverlay.Merge(upstream, JsonNode.Parse(overlay)!.AsObject());
        var schema = Compile(merged.Schema);

        Assert.Empty(merged.Problems);
        Assert.Empty(schema.Validate(Element("""{"body":"abc"}""")));
        Assert.NotEmpty(schema.Validate(Element("""{"body":"abcd"}""")));
        Assert.NotEmpty(schema.Validate(Element("""{"body":"a","other":1}""")));
    }
}
