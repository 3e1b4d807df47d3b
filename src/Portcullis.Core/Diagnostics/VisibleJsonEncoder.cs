using System.Text;
using System.Text.Encodings.Web;

namespace Portcullis.Core.Diagnostics;

/// <summary>
/// JSON escaping for what people read (the audit trail, the admin API and the review webhook, the lock file, lint's
/// output): text written as it is, as <see cref="JavaScriptEncoder.UnsafeRelaxedJsonEscaping"/> writes it (these are
/// never embedded in HTML), except that every character <see cref="VisibleText"/> calls hidden is escaped too, so that
/// a bidirectional override or a zero-width space shows as <c>\u202E</c> or <c>\u200B</c> wherever the JSON text is read.
/// </summary>
internal sealed class VisibleJsonEncoder : JavaScriptEncoder
{
    public static readonly VisibleJsonEncoder Instance = new();

    private static readonly JavaScriptEncoder Relaxed = UnsafeRelaxedJsonEscaping;

    private VisibleJsonEncoder()
    {
    }

    public override int MaxOutputCharactersPerInputCharacter => Relaxed.MaxOutputCharactersPerInputCharacter;

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        var relaxed = Relaxed.FindFirstCharacterToEncode(text, textLength);
        var hidden = VisibleText.IndexOfHidden(new ReadOnlySpan<char>(text, relaxed < 0 ? textLength : relaxed));
        return hidden < 0 ? relaxed : hidden;
    }

    public override int FindFirstCharacterToEncodeUtf8(ReadOnlySpan<byte> utf8Text)
    {
        var relaxed = Relaxed.FindFirstCharacterToEncodeUtf8(utf8Text);
        var hidden = VisibleText.IndexOfHidden(relaxed < 0 ? utf8Text : utf8Text[..relaxed]);
        return hidden < 0 ? relaxed : hidden;
    }

    public override bool WillEncode(int unicodeScalar) =>
        Relaxed.WillEncode(unicodeScalar) || (Rune.IsValid(unicodeScalar) && VisibleText.IsHidden(new Rune(unicodeScalar)));

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        if (Relaxed.WillEncode(unicodeScalar) || !Rune.IsValid(unicodeScalar))
        {
            // JSON's own escapes (\n, \", \\) and the relaxed encoder's choices, unchanged.
            return Relaxed.TryEncodeUnicodeScalar(unicodeScalar, buffer, bufferLength, out numberOfCharactersWritten);
        }

        var destination = new Span<char>(buffer, bufferLength);
        Span<char> units = stackalloc char[2];
        var count = new Rune(unicodeScalar).EncodeToUtf16(units);
        if (!VisibleText.IsHidden(new Rune(unicodeScalar)))
        {
            numberOfCharactersWritten = count;
            return units[..count].TryCopyTo(destination);
        }

        numberOfCharactersWritten = 0;
        foreach (var unit in units[..count])
        {
            if (destination.Length - numberOfCharactersWritten < 6
                || !$"\\u{(int)unit:X4}".AsSpan().TryCopyTo(destination[numberOfCharactersWritten..]))
            {
                numberOfCharactersWritten = 0;
                return false;
            }

            numberOfCharactersWritten += 6;
        }

        return true;
    }
}
