using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portcullis.Core.Audit;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Tests.Diagnostics;

/// <summary>
/// What people read as JSON (the audit trail, the admin API, the review webhook, the lock file): text as it is, except
/// the characters that show nothing or reorder what is shown, which are escaped so the text reads as it is.
/// </summary>
public sealed class VisibleJsonEncoderTests
{
    /// <summary>Before, a reviewer read "pay to account 0123456789" for an account number that ran as 9876543210.</summary>
    [Fact]
    public void Document_HiddenCharacters_AreEscaped_TheRestWrittenAsItIs()
    {
        var text = "pay to account \u202E9876543210\u202C, é 😀 \u200B\u00AD\uFEFF\U000E0001 \u2028 \u0085 \n \"q\" <a>&";

        var json = new JsonObject { ["note"] = text }.ToJsonString(AuditJson.DocumentOptions);

        // Above U+FFFF everything is escaped, as the relaxed encoder has always done (the emoji too).
        Assert.Equal("""{"note":"pay to account \u202E9876543210\u202C, é \uD83D\uDE00 \u200B\u00AD\uFEFF\uDB40\uDC01 \u2028 \u0085 \n \"q\" <a>&"}""", json);
        Assert.Equal(text, JsonNode.Parse(json)!["note"]!.GetValue<string>());
    }

    [Fact]
    public void Writer_PropertyNameAndValueInUtf8_AreEscapedAlike()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = VisibleJsonEncoder.Instance }))
        {
            writer.WriteStartObject();
            writer.WriteString("k\u200Bey"u8, "va\u2066lue ü"u8);
            writer.WriteString("plain", "ascii only");
            writer.WriteEndObject();
        }

        Assert.Equal("""{"k\u200Bey":"va\u2066lue ü","plain":"ascii only"}""", Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Theory]
    [InlineData("dev-user", "dev-user")]
    [InlineData("dev\u200Buser", "dev\\u200Buser")]
    [InlineData("a\U000E0041b", "a\\uDB40\\uDC41b")]
    [InlineData("naïve 😀", "naïve 😀")]
    [InlineData("warning \u26A0\uFE0F", "warning \u26A0\uFE0F")]
    public void Escape_WritesHiddenCharactersAsEscapes(string text, string expected)
    {
        Assert.Equal(expected, VisibleText.Escape(text));
    }

    /// <summary>
    /// Before, variation selectors, fillers and the combining grapheme joiner passed as they were: "Thanks 😊" could carry
    /// a message one byte a selector (emoji smuggling) past a reviewer, with no warning.
    /// </summary>
    [Theory]
    [InlineData("Thanks 😊\U000E0100\U000E0145", "Thanks 😊\\uDB40\\uDD00\\uDB40\\uDD45")]
    [InlineData("a\uFE00b\uFE0Ec", "a\\uFE00b\\uFE0Ec")]
    [InlineData("c-1\u034F\u3164\u115F\u1160\uFFA0", "c-1\\u034F\\u3164\\u115F\\u1160\\uFFA0")]
    [InlineData("\u17B4\u17B5\u180B\u180C\u180D\u180F", "\\u17B4\\u17B5\\u180B\\u180C\\u180D\\u180F")]
    // Reserved as default-ignorable, unassigned: Chromium draws them with no width, so they carried a message unseen too.
    [InlineData("Thanks 😊\U000E00E8\U000E00E9", "Thanks 😊\\uDB40\\uDCE8\\uDB40\\uDCE9")]
    [InlineData("a\u2065b\uFFF0c\uFFF8d", "a\\u2065b\\uFFF0c\\uFFF8d")]
    [InlineData("\U000E0000\U000E0002\U000E01F0\U000E0FFF", "\\uDB40\\uDC00\\uDB40\\uDC02\\uDB40\\uDDF0\\uDB43\\uDFFF")]
    public void Escape_SelectorsAndFillersThatShowNothing_AreEscaped(string text, string expected)
    {
        Assert.Equal(expected, VisibleText.Escape(text));
        Assert.True(VisibleText.IndexOfHidden(text.AsSpan()) >= 0);
        Assert.True(VisibleText.IndexOfHidden(Encoding.UTF8.GetBytes(text)) >= 0);
    }
}
