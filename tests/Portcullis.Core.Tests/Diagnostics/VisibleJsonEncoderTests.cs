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
    public void Escape_WritesHiddenCharactersAsEscapes(string text, string expected)
    {
        Assert.Equal(expected, VisibleText.Escape(text));
    }
}
