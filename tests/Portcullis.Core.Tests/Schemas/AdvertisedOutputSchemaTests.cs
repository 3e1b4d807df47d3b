using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Portcullis.Core.Errors;
using Portcullis.Core.Idempotency;
using Portcullis.Core.Schemas;
using static Portcullis.Core.Tests.Schemas.SchemaTestJson;

namespace Portcullis.Core.Tests.Schemas;

/// <summary>
/// The advertised output schema accepts exactly what the upstream's schema accepts, plus the gateway's error
/// envelopes and an operator's confirmation: references keep pointing where the upstream meant, in every shape real
/// servers emit.
/// </summary>
public sealed class AdvertisedOutputSchemaTests
{
    /// <summary>An upstream schema, an instance it accepts and one it refuses (which is no error envelope either).</summary>
    public static TheoryData<string, string, string, string> Upstreams => new()
    {
        {
            "plain object",
            """{"type":"object","properties":{"note":{"type":"object","properties":{"id":{"type":"integer"}},"required":["id"]}},"required":["note"]}""",
            """{"note":{"id":7}}""",
            """{"note":{"id":"7"}}"""
        },
        {
            "System.Text.Json pointer into properties",
            """{"type":"object","properties":{"a":{"type":"object","properties":{"x":{"type":"string"}},"required":["x"]},"b":{"$ref":"#/properties/a"}},"required":["a","b"]}""",
            """{"a":{"x":"1"},"b":{"x":"2"}}""",
            """{"a":{"x":"1"},"b":{"x":2}}"""
        },
        {
            "pydantic $defs",
            """{"$defs":{"Note":{"type":"object","properties":{"body":{"type":"string","maxLength":3}},"required":["body"]}},"type":"object","properties":{"note":{"$ref":"#/$defs/Note"}},"required":["note"]}""",
            """{"note":{"body":"abc"}}""",
            """{"note":{"body":"abcd"}}"""
        },
        {
            "definitions referring to the root's properties",
            """{"definitions":{"Pair":{"type":"array","items":{"$ref":"#/properties/left"}}},"type":"object","properties":{"left":{"type":"integer"},"pairs":{"$ref":"#/definitions/Pair"}},"required":["left"]}""",
            """{"left":1,"pairs":[2,3]}""",
            """{"left":1,"pairs":["x"]}"""
        },
        {
            "recursive root",
            """{"type":"object","properties":{"name":{"type":"string"},"children":{"type":"array","items":{"$ref":"#"}}},"required":["name"]}""",
            """{"name":"a","children":[{"name":"b","children":[]}]}""",
            """{"name":"a","children":[{"error":{"code":"internal","message":"m","retryable":true,"correlation_id":"c"}}]}"""
        },
        {
            "$schema, $id and an anchor",
            """{"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://example.com/out.json","type":"object","properties":{"n":{"$ref":"#count"},"m":{"$anchor":"count","type":"integer"}},"required":["n"]}""",
            """{"n":1,"m":2}""",
            """{"n":"one"}"""
        },
        {
            "closed object",
            """{"type":"object","properties":{"a":{"type":"string"}},"required":["a"],"additionalProperties":false}""",
            """{"a":"x"}""",
            """{"a":"x","b":1}"""
        },
        {
            "a property named like a data keyword",
            """{"type":"object","properties":{"const":{"$ref":"#/properties/enum"},"enum":{"type":"boolean"}},"required":["const"]}""",
            """{"const":true}""",
            """{"const":"yes"}"""
        },
    };

    [Theory]
    [MemberData(nameof(Upstreams))]
    public void Widen_AcceptsWhatTheUpstreamAccepts_AndRefusesWhatItRefuses(string shape, string upstream, string valid, string invalid)
    {
        var own = Compile(Element(upstream));
        var advertised = Compile(AdvertisedOutputSchema.Widen(Element(upstream)));

        Assert.True(own.Validate(Element(valid)).Count == 0, shape);
        Assert.True(advertised.Validate(Element(valid)).Count == 0, shape);
        Assert.True(own.Validate(Element(invalid)).Count > 0, shape);
        Assert.True(advertised.Validate(Element(invalid)).Count > 0, shape);
    }

    [Theory]
    [MemberData(nameof(Upstreams))]
    public void Widen_AdmitsTheEnvelopeOfEveryCode_AtAnObjectRoot(string shape, string upstream, string valid, string invalid)
    {
        _ = (valid, invalid);
        var widened = AdvertisedOutputSchema.Widen(Element(upstream));
        var advertised = Compile(widened);

        Assert.Equal("object", widened.GetProperty("type").GetString());
        foreach (var envelope in Envelopes())
        {
            Assert.True(advertised.Validate(envelope).Count == 0, $"{shape}: {envelope}");
        }
    }

    [Theory]
    [MemberData(nameof(Upstreams))]
    public void Widen_AdmitsAnOperatorsConfirmation_WithAndWithoutANote(string shape, string upstream, string valid, string invalid)
    {
        _ = (valid, invalid);
        var advertised = Compile(AdvertisedOutputSchema.Widen(Element(upstream)));

        foreach (var note in new[] { null, "the CRM shows the note" })
        {
            var confirmation = OperatorConfirmation.Result("corr-1", note);
            Assert.True(advertised.Validate(confirmation.StructuredContent!.Value).Count == 0, $"{shape}: {confirmation.StructuredContent}");
            var text = Assert.IsType<ModelContextProtocol.Protocol.TextContentBlock>(Assert.Single(confirmation.Content)).Text;
            Assert.Equal(text, confirmation.StructuredContent.Value.GetProperty("operator_confirmed").GetProperty("message").GetString());
        }
    }

    [Fact]
    public void Widen_EnvelopeWithACodeOutsideTheCatalog_IsRefused()
    {
        var advertised = Compile(AdvertisedOutputSchema.Widen(Element("""{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}""")));

        Assert.NotEmpty(advertised.Validate(Element("""{"error":{"code":"made_up","message":"m","retryable":false,"correlation_id":"c"}}""")));
        Assert.NotEmpty(advertised.Validate(Element("""{"error":{"code":"internal","message":"m"}}""")));
    }

    [Fact]
    public void Widen_AnyInstance_IsAcceptedExactlyWhenTheUpstreamTheEnvelopeOrTheConfirmationAcceptsIt()
    {
        var upstream = Element("""{"type":"object","properties":{"error":{"type":"string"},"id":{"type":"integer","minimum":0}},"required":["id"]}""");
        var own = Compile(upstream);
        var envelope = Compile(Element(ErrorEnvelopeSchema.Create()));
        var confirmation = Compile(Element(OperatorConfirmation.Schema()));
        var advertised = Compile(AdvertisedOutputSchema.Widen(upstream));
        var code = Gen.OneOfConst<JsonNode?>("internal", "rate_limited", "nope", 3, null);
        var error = Gen.Select(code, Gen.OneOfConst<JsonNode?>("m", 1, null), Gen.OneOfConst<JsonNode?>(true, "yes", null), Gen.OneOfConst<JsonNode?>("c", null))
            .Select((c, m, r, id) => (JsonNode)Without(new JsonObject { ["code"] = c?.DeepClone(), ["message"] = m?.DeepClone(), ["retryable"] = r?.DeepClone(), ["correlation_id"] = id?.DeepClone() }));
        var value = Gen.OneOf(Gen.OneOfConst<JsonNode?>("text", -1, 2, null), error.Select(e => (JsonNode?)e));
        var confirmed = Gen.OneOfConst<JsonNode?>(null, 1, new JsonObject { ["correlation_id"] = "c", ["message"] = "m" }, new JsonObject { ["correlation_id"] = "c" });
        var instance = Gen.Select(value, Gen.OneOfConst<JsonNode?>(-1, 0, 5, "5", null), confirmed)
            .Select((e, id, c) => Without(new JsonObject { ["error"] = e?.DeepClone(), ["id"] = id?.DeepClone(), [OperatorConfirmation.Property] = c?.DeepClone() }));

        instance.Sample(i =>
        {
            var element = Element(i);
            var expected = own.Validate(element).Count == 0 || envelope.Validate(element).Count == 0 || confirmation.Validate(element).Count == 0;
            Assert.Equal(expected, advertised.Validate(element).Count == 0);
        });
    }

    private static JsonObject Without(JsonObject candidate)
    {
        foreach (var (name, _) in candidate.Where(p => p.Value is null).ToList())
        {
            candidate.Remove(name);
        }

        return candidate;
    }

    private static IEnumerable<JsonElement> Envelopes() =>
        ErrorCatalog.All.Select(code => Element(ErrorEnvelope.ToJson(
            new GatewayError(code, "message") { RetryAfterSeconds = code.Retryable ? 5 : null, Details = [new ErrorDetail("/visibility", "enum", "must be one of: internal, shared")] },
            "corr-1")));
}
