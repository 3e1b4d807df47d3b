using System.Text.Json;
using Portcullis.Core.Schemas;
using static Portcullis.Core.Tests.Schemas.SchemaTestJson;

namespace Portcullis.Core.Tests.Schemas;

/// <summary>
/// <c>format</c> is checked (format-assertion), so a caller's strings meet every format's check: each must answer,
/// never throw. The library's <c>relative-json-pointer</c> threw on a non-ASCII digit and on a prefix past 32 bits,
/// its <c>date-time</c> on the year 0000, its <c>idn-email</c> on a quote in the domain.
/// </summary>
public sealed class FormatTests
{
    /// <summary>Strings made to trip parsers: non-ASCII digits, huge numbers, lone surrogates, odd brackets and escapes.</summary>
    private static readonly string[] Odd =
    [
        "", "\u0661", "\u0661/a", "1\u0663", "\U0001D7D9", "a\u0000b", "\ud800", "a\udc00b", "\u200d",
        "99999999999999999999/a", "99999999999999999999#", "0+99999999999999999999/a", "0-1#", "-1/a", "/~2", "~", "0/~",
        "xn--", "xn--zz", "a..b", ".", "-", "a@", "@a", "a@b@c", "a@[IPv6:zz]", "\"a\"@b", "::ffff:1.2.3.4", "1:2:3:4:5:6:7:8:9",
        "[", "(", "(?<", "\\", "\\p{", "(?(", "a{99999999999}", "[z-a]", "P", "PT", "P99999999999999999999Y", "2020-13-45",
        "9999-12-31T23:59:60Z", "2021-01-01T00:00:00+99:99", "25:00:00Z", "12:00:00.99999999999999999999Z", "http://[::1",
        "http://a:99999999999/", "http://%zz", "{", "{a:99999999999}", "00000000-0000-0000-0000-00000000000g",
        "0000-01-01T00:00:00Z", "0000-02-29", "ht@p://a.b/c?d#e", "h@tp://Wa.b/c?#e", "a@b.c\n", "a@\"", "a@b\"c", "a@b\\", "a@b\u0001", "\"a@b",
        new string('9', 5000) + "/a", new string('a', 100_000),
    ];

    public static TheoryData<string> Formats() => [.. OverlayKeywords.Formats];

    [Theory]
    [MemberData(nameof(Formats))]
    public void Validate_OddStrings_EveryFormatAnswersWithoutThrowing(string format)
    {
        var schema = Compile(Element($$"""{"type":"string","format":"{{format}}"}"""));

        foreach (var value in Odd)
        {
            var details = schema.Validate(JsonSerializer.SerializeToElement(value), CheckBudget.Default());

            Assert.All(details, d => Assert.Equal("format", d.Keyword));
        }
    }

    [Theory]
    [InlineData("1")]
    [InlineData("0/foo/bar")]
    [InlineData("2/0/baz/1/zip")]
    [InlineData("0#")]
    [InlineData("120/foo/bar")]
    [InlineData("100")]
    [InlineData("0//")]
    [InlineData("0/a~0b~1c")]
    [InlineData("1+2/a")]
    [InlineData("0-1#")]
    [InlineData("1+1#")]
    [InlineData("1-0")]
    [InlineData("99999999999999999999#")]
    public void Validate_RelativeJsonPointer_Valid(string value) =>
        Assert.Empty(Compile(Element("""{"format":"relative-json-pointer"}""")).Validate(JsonSerializer.SerializeToElement(value)));

    [Theory]
    [InlineData("/foo/bar")]
    [InlineData("-1/foo/bar")]
    [InlineData("+1/foo/bar")]
    [InlineData("\u0661/foo")]
    [InlineData("1\u0663")]
    [InlineData("0##")]
    [InlineData("01/a")]
    [InlineData("01#")]
    [InlineData("")]
    [InlineData("0/~2")]
    [InlineData("0/foo/bar~")]
    [InlineData("1#/foo/bar")]
    [InlineData("1+01/a")]
    [InlineData("1+#")]
    [InlineData("1-/a")]
    [InlineData("1\n")]
    public void Validate_RelativeJsonPointer_Invalid(string value)
    {
        var detail = Assert.Single(Compile(Element("""{"format":"relative-json-pointer"}""")).Validate(JsonSerializer.SerializeToElement(value)));

        Assert.Equal(("format", "must be a valid relative-json-pointer"), (detail.Keyword, detail.Message));
    }

    [Theory]
    [InlineData("date-time", "0000-01-01T00:00:00Z")]
    [InlineData("idn-email", "a@b\"c")]
    [InlineData("idn-email", "a@b\u0001")]
    [InlineData("uri", "ht@p://a.b/c?d#e")]
    public void Validate_ValueTheLibrarysCheckCannotParse_IsNotValid(string format, string value)
    {
        var detail = Assert.Single(Compile(Element($$"""{"format":"{{format}}"}""")).Validate(JsonSerializer.SerializeToElement(value)));

        Assert.Equal(("format", $"must be a valid {format}"), (detail.Keyword, detail.Message));
    }
}
