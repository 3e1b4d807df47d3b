using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using CsCheck;
using Portcullis.Core.Idempotency;

namespace Portcullis.Core.Tests.Idempotency;

public sealed class CanonicalJsonTests
{
    [Theory]
    [InlineData(0x0000000000000000UL, "0")]
    [InlineData(0x8000000000000000UL, "0")]
    [InlineData(0x0000000000000001UL, "5e-324")]
    [InlineData(0x8000000000000001UL, "-5e-324")]
    [InlineData(0x7fefffffffffffffUL, "1.7976931348623157e+308")]
    [InlineData(0xffefffffffffffffUL, "-1.7976931348623157e+308")]
    [InlineData(0x4340000000000000UL, "9007199254740992")]
    [InlineData(0xc340000000000000UL, "-9007199254740992")]
    [InlineData(0x4430000000000000UL, "295147905179352830000")]
    [InlineData(0x44b52d02c7e14af5UL, "9.999999999999997e+22")]
    [InlineData(0x44b52d02c7e14af6UL, "1e+23")]
    [InlineData(0x44b52d02c7e14af7UL, "1.0000000000000001e+23")]
    [InlineData(0x444b1ae4d6e2ef4eUL, "999999999999999700000")]
    [InlineData(0x444b1ae4d6e2ef4fUL, "999999999999999900000")]
    [InlineData(0x444b1ae4d6e2ef50UL, "1e+21")]
    [InlineData(0x3eb0c6f7a0b5ed8cUL, "9.999999999999997e-7")]
    [InlineData(0x3eb0c6f7a0b5ed8dUL, "0.000001")]
    [InlineData(0x41b3de4355555553UL, "333333333.3333332")]
    [InlineData(0x41b3de4355555554UL, "333333333.33333325")]
    [InlineData(0x41b3de4355555555UL, "333333333.3333333")]
    [InlineData(0x41b3de4355555556UL, "333333333.3333334")]
    [InlineData(0x41b3de4355555557UL, "333333333.33333343")]
    [InlineData(0xbecbf647612f3696UL, "-0.0000033333333333333333")]
    [InlineData(0x43143ff3c1cb0959UL, "1424953923781206.2")]
    public void Format_Rfc8785NumberVectors_MatchEcmaScript(ulong bits, string expected)
    {
        Assert.Equal(expected, EcmaNumber.Format(BitConverter.UInt64BitsToDouble(bits)));
    }

    [Theory]
    [InlineData(1e-7, "1e-7")]
    [InlineData(0.00001, "0.00001")]
    [InlineData(1e20, "100000000000000000000")]
    [InlineData(123.45, "123.45")]
    [InlineData(-1.5, "-1.5")]
    public void Format_ExponentBoundaries_MatchEcmaScript(double value, string expected)
    {
        Assert.Equal(expected, EcmaNumber.Format(value));
    }

    [Fact]
    public void Format_AnyFiniteDouble_RoundTripsAndUsesEcmaExponentForm()
    {
        Gen.Double.Where(double.IsFinite).Sample(value =>
        {
            var text = EcmaNumber.Format(value);
            Assert.Equal(value == 0 ? 0 : value, double.Parse(text, CultureInfo.InvariantCulture));
            Assert.DoesNotContain("E", text, StringComparison.Ordinal);
            Assert.DoesNotContain("e-0", text, StringComparison.Ordinal);
            Assert.DoesNotContain("e+0", text, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Canonicalize_Rfc8785Example_MatchesTheSpec()
    {
        var input = """
            {
              "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """;

        var canonical = Canonical(input);

        // The one departure from the RFC: its 333333333.33333329 has more precision than a double, which the RFC
        // rounds (to 333333333.3333333, another value's form too); it keeps its exact value.
        Assert.Equal(
            "{\"literals\":[null,true,false],\"numbers\":[33333333333333329e-8,1e+30,4.5,0.002,1e-27],\"string\":\"€$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}",
            canonical);
        Assert.StartsWith("{\"numbers\":[333333333.3333333,", Canonical("""{"numbers": [333333333.3333333, 1E30]}"""), StringComparison.Ordinal);
    }

    [Fact]
    public void Canonicalize_KeysSortByUtf16CodeUnits()
    {
        // From RFC 8785 §3.2.3: sorting by UTF-16 code units, not code points or culture.
        var input = "{\"\\u20ac\":1,\"\\r\":2,\"\\ud83d\\ude00\":3,\"\\u0080\":4,\"1\":5,\"\\ufb33\":6,\"\\u00f6\":7}";

        var canonical = Canonical(input);

        Assert.Equal("{\"\\r\":2,\"1\":5,\"\u0080\":4,\"\u00f6\":7,\"\u20ac\":1,\"\ud83d\ude00\":3,\"\ufb33\":6}", canonical);
    }

    [Fact]
    public void Fingerprint_KeyOrderAndWhitespace_DoNotChangeIt()
    {
        Objects.Select(Gen.Int[0, 1000], Gen.Int[0, 4]).Sample((properties, seed, spaces) =>
        {
            var shuffled = properties.OrderBy(p => HashCode.Combine(p.Key, seed)).ToList();
            var compact = Json(properties, "");
            var spread = Json(shuffled, new string(' ', spaces) + "\n\t");

            Assert.Equal(FingerprintOf(compact), FingerprintOf(spread));
        });
    }

    [Fact]
    public void Fingerprint_NumberForms_DoNotChangeIt()
    {
        Gen.Int[-1_000_000, 1_000_000].Sample(n =>
        {
            var forms = new[] { $"{n}", $"{n}.0", $"{n}e0", $"{n}.000E+0", $"{(long)n * 10}E-1", $"{n}.0e00" };
            var fingerprints = forms.Select(f => FingerprintOf($"{{\"amount\":{f},\"list\":[{f}]}}")).Distinct().ToList();

            Assert.Single(fingerprints);
        });
    }

    [Fact]
    public void Fingerprint_OneForm_ForOneOneOneAndTenTenths()
    {
        var forms = new[] { "1", "1.0", "1e0", "10E-1", "0.1e1", "1.00000" };

        Assert.Single(forms.Select(f => FingerprintOf($"{{\"n\":{f}}}")).Distinct());
    }

    /// <summary>Numbers a double cannot tell apart: before, each pair shared a fingerprint, so a retry (or an approved call) with the other value replayed (or ran).</summary>
    [Theory]
    [InlineData("9007199254740993", "9007199254740992")]
    [InlineData("1234567890123456789", "1234567890123456700")]
    [InlineData("0.10000000000000001", "0.1")]
    [InlineData("1e-400", "0")]
    [InlineData("-1e-400", "1e-400")]
    [InlineData("123456789012345678901234567890", "123456789012345678901234567891")]
    public void Fingerprint_NumbersBeyondADoublesPrecision_KeepTheirValue(string one, string other)
    {
        Assert.NotNull(FingerprintOf($"{{\"n\":{one}}}"));
        Assert.NotEqual(FingerprintOf($"{{\"n\":{one}}}"), FingerprintOf($"{{\"n\":{other}}}"));
    }

    [Fact]
    public void Fingerprint_AnyTwoDifferentIntegers_Differ_AndOneValueWrittenTwoWaysDoesNot()
    {
        Gen.Select(Gen.ULong, Gen.ULong[1, 1000]).Sample((n, delta) =>
        {
            var value = new BigInteger(n) * 1000;
            Assert.NotEqual(FingerprintOf($"{{\"n\":{value}}}"), FingerprintOf($"{{\"n\":{value + delta}}}"));
            Assert.Equal(FingerprintOf($"{{\"n\":{value / 1000}.0e3}}"), FingerprintOf($"{{\"n\":{value / 1000}.000e3}}"));
            if (value.ToString(CultureInfo.InvariantCulture).Length <= 15)
            {
                Assert.Equal(FingerprintOf($"{{\"n\":{value}}}"), FingerprintOf($"{{\"n\":{value / 1000}.000e3}}"));
            }
        });
    }

    /// <summary>
    /// Python reads <c>1234567890123456789</c> as that integer and <c>1.234567890123456789e18</c> as a double,
    /// 1234567890123456768, which a tool typed <c>int</c> takes: before, both had one fingerprint, so an approval of the
    /// one ran the other.
    /// </summary>
    [Theory]
    [InlineData("1234567890123456789", "1.234567890123456789e18")]
    [InlineData("1234567890123456789", "1234567890123456789.0")]
    [InlineData("1234567890123456800", "1.2345678901234568e18")]
    [InlineData("-9007199254740993", "-9007199254740993.00")]
    [InlineData("123456789012345678901234567890", "1.2345678901234567890123456789E29")]
    public void Fingerprint_LongIntegerLiteral_DiffersFromTheSameValueWrittenAsADecimal(string integer, string decimalForm)
    {
        Assert.NotNull(FingerprintOf($"{{\"id\":{decimalForm}}}"));
        Assert.NotEqual(FingerprintOf($"{{\"id\":{integer}}}"), FingerprintOf($"{{\"id\":{decimalForm}}}"));
        Assert.NotEqual(FingerprintOf($"{{\"id\":[{integer}]}}"), FingerprintOf($"{{\"id\":[{decimalForm}]}}"));
        Assert.Equal(FingerprintOf($"{{\"id\":{integer}}}"), FingerprintOf($"{{ \"id\" : {integer} }}"));
    }

    /// <summary>
    /// Keys stored before the integer literal had a form of its own are looked up under the form both spellings had then:
    /// before, the decimal spelling kept that form, so a retry in the integer spelling found a call stored since in the
    /// decimal one there, and was answered with its result (the call it asked for never ran).
    /// </summary>
    [Theory]
    [InlineData("1234567890123456789", "1.234567890123456789e18")]
    [InlineData("1234567890123456800", "1.2345678901234568e18")]
    [InlineData("-9007199254740993", "-9007199254740993.00")]
    [InlineData("100000000000000000000", "1e20")]
    public void Fingerprint_DecimalSpellingOfALongInteger_IsNotTheFormKeysWereStoredUnderBefore(string integer, string decimalForm)
    {
        var asBefore = Fingerprint.ComputeAsBeforeIntegerSpelling(Arguments($"{{\"id\":{integer}}}"));

        Assert.Equal(asBefore, Fingerprint.ComputeAsBeforeIntegerSpelling(Arguments($"{{\"id\":{decimalForm}}}")));
        Assert.NotEqual(asBefore, FingerprintOf($"{{\"id\":{decimalForm}}}"));
        Assert.NotEqual(asBefore, FingerprintOf($"{{\"id\":{integer}}}"));
        Assert.NotEqual(FingerprintOf($"{{\"id\":{integer}}}"), FingerprintOf($"{{\"id\":{decimalForm}}}"));
    }

    /// <summary>Before, a 1e-(a million digits) cost half a minute of CPU to fingerprint (the exponent parsed as a big integer).</summary>
    [Fact]
    public void Fingerprint_AnExponentOfMoreThanNineDigits_IsNotIJson_AndCostsLittle()
    {
        var huge = "1e-" + new string('9', 1_000_000);

        Assert.Null(FingerprintOf($"{{\"n\":{huge}}}"));
        Assert.Null(DecimalText.Normalize(huge));
        Assert.Equal("1e-999999999", DecimalText.Normalize("1e-" + new string('0', 1_000_000) + "999999999"));
    }

    [Theory]
    [InlineData("123456789012345", true)]
    [InlineData("-1234567.89012345", true)]
    [InlineData("0.000000000000001", false)]
    [InlineData("1234567890123456", false)]
    [InlineData("1e5", false)]
    public void FitsADouble_OnlyShortPlainNumbers(string number, bool expected) => Assert.Equal(expected, DecimalText.FitsADouble(number));

    [Fact]
    public void FitsADouble_WhenTrue_TheShortestFormIsTheSameValue() =>
        Gen.Select(Gen.Long[-999_999_999_999_999, 999_999_999_999_999], Gen.Int[0, 15]).Sample((digits, scale) =>
        {
            var text = (digits / (decimal)Math.Pow(10, scale)).ToString(CultureInfo.InvariantCulture);
            if (DecimalText.FitsADouble(text))
            {
                var shortest = EcmaNumber.Format(double.Parse(text, CultureInfo.InvariantCulture));
                Assert.Equal(DecimalText.Normalize(text), DecimalText.Normalize(shortest));
            }
        });

    [Theory]
    [InlineData("1.50", "15e-1")]
    [InlineData("0.15e1", "15e-1")]
    [InlineData("-0.000", "0")]
    [InlineData("1e+21", "1e21")]
    [InlineData("100", "1e2")]
    [InlineData("-12.340E-2", "-1234e-4")]
    public void Normalize_WritesAValueOneWay(string number, string expected) => Assert.Equal(expected, DecimalText.Normalize(number));

    [Fact]
    public void Fingerprint_AnyValueChange_ChangesIt()
    {
        Objects.Where(p => p.Count > 0).Select(Gen.Int[0, 100], Gen.Int[1, 1000]).Sample((properties, which, delta) =>
        {
            var index = which % properties.Count;
            var changed = properties.Select((p, i) => i == index ? new KeyValuePair<string, string>(p.Key, Mutate(p.Value, delta)) : p).ToList();

            Assert.NotEqual(FingerprintOf(Json(properties, "")), FingerprintOf(Json(changed, "")));
        });
    }

    [Fact]
    public void Fingerprint_RenamedKey_ChangesIt()
    {
        Assert.NotEqual(FingerprintOf("{\"body\":\"x\"}"), FingerprintOf("{\"Body\":\"x\"}"));
        Assert.NotEqual(FingerprintOf("{\"a\":\"1\"}"), FingerprintOf("{\"a\":1}"));
        Assert.NotEqual(FingerprintOf("{\"a\":[1,2]}"), FingerprintOf("{\"a\":[2,1]}"));
        Assert.NotEqual(FingerprintOf("{\"a\":null}"), FingerprintOf("{}"));
    }

    [Fact]
    public void Fingerprint_DuplicateNestedNames_AreNotIJson()
    {
        Assert.Null(FingerprintOf("{\"a\":{\"b\":1,\"b\":2}}"));
        Assert.Null(FingerprintOf("{\"a\":\"\\ud800\"}"));
    }

    /// <summary>Objects as (name, raw JSON value) pairs with unique names and values of every kind.</summary>
    private static readonly Gen<List<KeyValuePair<string, string>>> Objects =
        Gen.Select(
            Gen.String[Gen.Char.AlphaNumeric, 1, 8],
            Gen.OneOf(
                Gen.Int.Select(i => i.ToString(CultureInfo.InvariantCulture)),
                Gen.Double.Where(double.IsFinite).Select(d => d.ToString("R", CultureInfo.InvariantCulture)),
                Gen.String.Select(s => JsonSerializer.Serialize(s)),
                Gen.Bool.Select(b => b ? "true" : "false"),
                Gen.Const("null"),
                Gen.Int.Array[0, 3].Select(a => "[" + string.Join(",", a) + "]")))
            .Select((k, v) => new KeyValuePair<string, string>(k, v))
            .List[0, 8]
            .Select(list => list.DistinctBy(p => p.Key).ToList());

    private static string Mutate(string raw, int delta) => raw switch
    {
        "true" => "false",
        "false" => "true",
        "null" => "0",
        _ when raw.StartsWith('"') => JsonSerializer.Serialize(JsonSerializer.Deserialize<string>(raw) + delta.ToString(CultureInfo.InvariantCulture)),
        _ when raw.StartsWith('[') => "[" + delta.ToString(CultureInfo.InvariantCulture) + (raw.Length > 2 ? "," + raw[1..] : "]"),
        _ => JsonSerializer.Serialize(double.Parse(raw, CultureInfo.InvariantCulture) is var d && Math.Abs(d) < 1e15 ? d + delta : -d + (d == 0 ? 1 : 0)),
    };

    private static string Json(IEnumerable<KeyValuePair<string, string>> properties, string space) =>
        "{" + space + string.Join("," + space, properties.Select(p => JsonSerializer.Serialize(p.Key) + space + ":" + space + p.Value)) + space + "}";

    private static string? FingerprintOf(string json) => Fingerprint.Compute(Arguments(json));

    private static List<KeyValuePair<string, JsonElement>> Arguments(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateObject().Select(p => new KeyValuePair<string, JsonElement>(p.Name, p.Value.Clone())).ToList();
    }

    private static string Canonical(string json)
    {
        using var document = JsonDocument.Parse(json);
        var output = new StringBuilder();
        Assert.True(CanonicalJson.TryWrite(document.RootElement, output));
        return output.ToString();
    }
}
