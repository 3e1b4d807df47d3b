using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Tests.Diagnostics;

/// <summary>
/// Words that mix scripts in a held call's arguments: before, <c>{"user": "аdmin"}</c> with a Cyrillic "а" read "admin"
/// to a reviewer, with nothing to tell the two apart.
/// </summary>
public sealed class MixedScriptsTests
{
    [Fact]
    public void Find_CyrillicLetterInLatinWord_FlaggedWithItsCodePoint()
    {
        var warning = Assert.Single(Find("""{"user": "\u0430dmin"}"""));

        Assert.Equal("/user", warning.Pointer);
        Assert.False(warning.InKey);
        Assert.Equal("\u0430dmin", warning.Word);
        Assert.Equal(["Latin", "Cyrillic"], warning.Scripts);
        var letter = Assert.Single(warning.Letters);
        Assert.Equal(new Rune(0x0430), letter.Letter);
        Assert.Equal("U+0430", letter.CodePoint);
        Assert.Equal("Cyrillic", letter.Script);
        Assert.Equal("mixes Latin and Cyrillic letters", warning.Summary);
        Assert.Equal("/user: \"\u0430dmin\" mixes Latin and Cyrillic letters: \u0430 U+0430 Cyrillic", warning.Describe());
    }

    [Fact]
    public void Find_GreekOmicronInLatinWord_Flagged_OnlyThatWordOfTheSentence()
    {
        var warning = Assert.Single(Find("""{"note": "please delete the acc\u03BFunt of bob"}"""));

        Assert.Equal("acc\u03BFunt", warning.Word);
        Assert.Equal(["Latin", "Greek"], warning.Scripts);
        Assert.Equal("U+03BF", Assert.Single(warning.Letters).CodePoint);
    }

    [Theory]
    [InlineData("Привет, мир! Удалите контакт c-1001, пожалуйста.")]
    [InlineData("Γειά σου Κόσμε")]
    [InlineData("Hello, мир; bonjour — καλημέρα")]
    [InlineData("東京タワーでTシャツを買った")]
    [InlineData("서울特別市 and 中文注音ㄅㄆ")]
    [InlineData("10µs, Hawaiʻi, café, naïve, Ærøskøbing, straße")]
    public void Find_TextInOneScriptPerWord_NotFlagged(string text) =>
        Assert.Empty(MixedScripts.Find(JsonSerializer.SerializeToElement(new { text })));

    [Fact]
    public void Find_WholeWordOfLatinLookAlikesInCyrillic_NotFlagged_ButOneLatinLetterInACyrillicWordIs()
    {
        // "сосо" is all Cyrillic: one script, a reader's own to judge. "Привeт" holds a Latin "e".
        var warning = Assert.Single(Find("""{"a": "\u0441\u043E\u0441\u043E", "b": "\u041F\u0440\u0438\u0432e\u0442"}"""));

        Assert.Equal("/b", warning.Pointer);
        Assert.Equal(["Cyrillic", "Latin"], warning.Scripts);
        Assert.Equal("e", Assert.Single(warning.Letters).Letter.ToString());
    }

    [Theory]
    [InlineData("order-1234 is € 12,50 (paid); ref #A-7/b_c")]
    [InlineData("1\u0430 2\u03B2")] // a digit and one letter: one script per word
    [InlineData("x.\u0430 y-\u03B2 z_\u0436")] // punctuation ends a word
    public void Find_DigitsAndPunctuation_NotFlagged(string text) =>
        Assert.Empty(MixedScripts.Find(JsonSerializer.SerializeToElement(new { text })));

    [Fact]
    public void Find_DigitsInsideTheWord_DoNotSplitIt_NorDoesAZeroWidthSpace()
    {
        var warnings = Find("""{"a": "pa55w\u043Erd", "b": "\u0430\u200Bdmin"}""");

        Assert.Equal(["/a", "/b"], warnings.Select(w => w.Pointer));
        Assert.Equal("pa55w\u043Erd", warnings[0].Word);
    }

    /// <summary>
    /// Before, a letter number (the Roman numeral "ⅾ", U+217E, drawn as a "d") or an unassigned default-ignorable code point
    /// (U+FFF0, U+2065, drawn as nothing) ended the word: "аⅾmin" with a Cyrillic "а" was the words "а" and "min", each of
    /// one script, and read "admin" with no warning.
    /// </summary>
    [Theory]
    [InlineData("\u0430\u217Emin", "\u0430\u217Emin")]
    [InlineData("\u0430\uFFF0dmin", "\u0430\uFFF0dmin")]
    [InlineData("\u0430\u2065dmin", "\u0430\u2065dmin")]
    [InlineData("x \u0430\uDB40\uDC80dmin", "\u0430\uDB40\uDC80dmin")] // U+E0080
    public void Find_LetterNumberOrUnassignedCodePointInsideTheWord_DoesNotSplitIt(string text, string word)
    {
        var warning = Assert.Single(Find($$"""{"user": "{{text}}"}"""));

        Assert.Equal(System.Text.RegularExpressions.Regex.Unescape(word), warning.Word);
        Assert.Equal(["Latin", "Cyrillic"], warning.Scripts);
        Assert.Equal("U+0430", Assert.Single(warning.Letters).CodePoint);
    }

    [Theory]
    [InlineData("Chapter \u216B, Louis XIV")] // Ⅻ: a Roman numeral is Latin
    [InlineData("\u0413\u043B\u0430\u0432\u0430 \u216B")] // a Russian word, then Ⅻ apart
    public void Find_RomanNumerals_NotFlagged(string text) =>
        Assert.Empty(Find($$"""{"t": "{{text}}"}"""));

    [Theory]
    [InlineData("Thanks 😊 so much 👍🏽")]
    [InlineData("admin😊")]
    [InlineData("👨‍👩‍👧 family")]
    public void Find_Emoji_NotFlagged(string text) =>
        Assert.Empty(MixedScripts.Find(JsonSerializer.SerializeToElement(new { text })));

    [Fact]
    public void Find_EmojiBesideAMixedWord_FlagsTheWordOnly()
    {
        var warning = Assert.Single(Find("""{"text": "😊\u0430dmin😊"}"""));

        Assert.Equal("\u0430dmin", warning.Word);
    }

    [Fact]
    public void Find_ObjectKey_FlaggedAsAKey_WithItsPointer()
    {
        var warnings = Find("""{"items": [{"r\u043Ele": "admin"}, {"x/y": {"\u0430dm~in": 1}}]}""");

        Assert.Equal(2, warnings.Count);
        Assert.Equal("/items/0/r\u043Ele", warnings[0].Pointer);
        Assert.True(warnings[0].InKey);
        Assert.Equal("/items/1/x~1y/\u0430dm~0in", warnings[1].Pointer);
        Assert.True(warnings[1].InKey);
        Assert.Contains("(property name)", warnings[0].Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Find_ArgumentsAsMembers_SameAsTheObject()
    {
        using var document = JsonDocument.Parse("""{"user": "\u0430dmin", "note": "ok"}""");

        var warning = Assert.Single(MixedScripts.Find(document.RootElement.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, p.Value))));

        Assert.Equal("/user", warning.Pointer);
    }

    [Fact]
    public void Find_ThreeScripts_AllNamed_MostUsedFirst()
    {
        var warning = Assert.Single(Find("""{"w": "s\u0435cur\u03B9ty"}"""));

        Assert.Equal(["Latin", "Cyrillic", "Greek"], warning.Scripts);
        Assert.Equal("mixes Latin, Cyrillic and Greek letters", warning.Summary);
        Assert.Equal(["U+0435", "U+03B9"], warning.Letters.Select(l => l.CodePoint));
    }

    [Fact]
    public void Find_MathematicalLetterInLatinWord_FlaggedAsOther()
    {
        var warning = Assert.Single(Find("""{"w": "\uD835\uDC1Admin"}""")); // 𝐚 U+1D41A

        Assert.Equal(["Latin", "other"], warning.Scripts);
        Assert.Equal("U+1D41A", Assert.Single(warning.Letters).CodePoint);
    }

    [Fact]
    public void Find_LongStrings_StayCheap_AndReportAtMostTheCap()
    {
        var russian = string.Concat(Enumerable.Repeat("Съешь же ещё этих мягких французских булок, да выпей чаю. ", 20_000));
        var spoofed = string.Concat(Enumerable.Repeat("\u0430dmin ", 200_000));
        var ascii = new string('a', 2_000_000);
        var oneWord = new string('b', 1_000_000) + "\u0430" + new string('c', 1_000_000);
        var arguments = JsonSerializer.SerializeToElement(new { russian, ascii, oneWord, spoofed });

        var watch = Stopwatch.StartNew();
        var warnings = MixedScripts.Find(arguments);
        watch.Stop();

        // Generous on a shared machine: the pass is linear and the cap stops it early (over a million characters here).
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), watch.Elapsed.ToString());
        Assert.Equal(MixedScripts.MaxWarnings, warnings.Count);
        Assert.True(warnings.Truncated);
        var long1 = warnings[0];
        Assert.Equal("/oneWord", long1.Pointer);
        Assert.Equal(MixedScripts.MaxWordLength, long1.Word.Length);
        Assert.Contains('\u0430', long1.Word);
        Assert.All(warnings.Skip(1), w => Assert.Equal("/spoofed", w.Pointer));
    }

    /// <summary>
    /// Before, a list of exactly the cap and a list cut at it looked alike, and every reader guessed "there may be more"
    /// from its length. The check now says whether it met a word past the cap.
    /// </summary>
    [Theory]
    [InlineData(MixedScripts.MaxWarnings - 1, false)]
    [InlineData(MixedScripts.MaxWarnings, false)]
    [InlineData(MixedScripts.MaxWarnings + 1, true)]
    [InlineData(MixedScripts.MaxWarnings * 3, true)]
    public void Find_WordsUpToOrPastTheCap_TruncatedOnlyWhenSomeAreLeftOut(int words, bool truncated)
    {
        var arguments = JsonSerializer.SerializeToElement(Enumerable.Range(0, words).ToDictionary(i => $"a{i}", _ => "\u0430dmin"));

        var warnings = MixedScripts.Find(arguments);
        var members = MixedScripts.Find(arguments.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, p.Value)));

        Assert.Equal((Math.Min(words, MixedScripts.MaxWarnings), truncated), (warnings.Count, warnings.Truncated));
        Assert.Equal((Math.Min(words, MixedScripts.MaxWarnings), truncated), (members.Count, members.Truncated));
    }

    [Fact]
    public void ScriptTable_Sorted_NotOverlapping()
    {
        Assert.True(MixedScripts.RangesAreOrdered());
        Assert.Equal("Cyrillic", MixedScripts.ScriptName(MixedScripts.ScriptOf(0x0430)));
        Assert.Equal("Greek", MixedScripts.ScriptName(MixedScripts.ScriptOf(0x03BF)));
        Assert.Equal("Latin", MixedScripts.ScriptName(MixedScripts.ScriptOf(0x00E9)));
        Assert.Equal("Han", MixedScripts.ScriptName(MixedScripts.ScriptOf(0x6771)));
        Assert.Equal("Cherokee", MixedScripts.ScriptName(MixedScripts.ScriptOf(0x13AA)));
    }

    private static MixedScriptWarnings Find(string json)
    {
        using var document = JsonDocument.Parse(json);
        return MixedScripts.Find(document.RootElement.Clone());
    }
}
