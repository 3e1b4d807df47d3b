namespace Portcullis.Core.Diagnostics;

/// <summary>
/// Which script a letter is in: a small table of code point ranges (Unicode's blocks of each script, with the few letters
/// in them Unicode gives to another script or to none carved out), looked up by binary search. .NET offers no Unicode
/// Script property; a letter of a script not listed here counts as one script, "other", so a Latin word with such a
/// letter in it is still flagged.
/// </summary>
internal sealed partial class MixedScripts
{
    // Script numbers: bits of a ulong, so fewer than 64. Common is "no script" (digits, marks, modifier letters).
    private const int Common = 0;
    private const int Latin = 1;
    private const int Greek = 2;
    private const int Cyrillic = 3;
    private const int Armenian = 4;
    private const int Hebrew = 5;
    private const int Arabic = 6;
    private const int Syriac = 7;
    private const int Thaana = 8;
    private const int NKo = 9;
    private const int Devanagari = 10;
    private const int Bengali = 11;
    private const int Gurmukhi = 12;
    private const int Gujarati = 13;
    private const int Oriya = 14;
    private const int Tamil = 15;
    private const int Telugu = 16;
    private const int Kannada = 17;
    private const int Malayalam = 18;
    private const int Sinhala = 19;
    private const int Thai = 20;
    private const int Lao = 21;
    private const int Tibetan = 22;
    private const int Myanmar = 23;
    private const int Georgian = 24;
    private const int Hangul = 25;
    private const int Ethiopic = 26;
    private const int Cherokee = 27;
    private const int CanadianAboriginal = 28;
    private const int Ogham = 29;
    private const int Runic = 30;
    private const int Khmer = 31;
    private const int Mongolian = 32;
    private const int Coptic = 33;
    private const int Glagolitic = 34;
    private const int Tifinagh = 35;
    private const int Hiragana = 36;
    private const int Katakana = 37;
    private const int Bopomofo = 38;
    private const int Han = 39;
    private const int Yi = 40;
    private const int Lisu = 41;
    private const int Vai = 42;
    private const int Other = 43;

    private static readonly string[] Names =
    [
        "Common", "Latin", "Greek", "Cyrillic", "Armenian", "Hebrew", "Arabic", "Syriac", "Thaana", "NKo",
        "Devanagari", "Bengali", "Gurmukhi", "Gujarati", "Oriya", "Tamil", "Telugu", "Kannada", "Malayalam", "Sinhala",
        "Thai", "Lao", "Tibetan", "Myanmar", "Georgian", "Hangul", "Ethiopic", "Cherokee", "Canadian Aboriginal", "Ogham",
        "Runic", "Khmer", "Mongolian", "Coptic", "Glagolitic", "Tifinagh", "Hiragana", "Katakana", "Bopomofo", "Han",
        "Yi", "Lisu", "Vai", "other",
    ];

    private static int ScriptCount => Names.Length;

    /// <summary>The writing systems that mix scripts by design (TR 39 "highly restrictive"): Japanese, Korean, Chinese with Bopomofo; Latin in each.</summary>
    private static readonly ulong[] WritingSystems =
    [
        Bits(Latin, Han, Hiragana, Katakana),
        Bits(Latin, Han, Hangul),
        Bits(Latin, Han, Bopomofo),
    ];

    /// <summary>First and last code point of each range and its script; sorted, not overlapping (a unit test checks).</summary>
    private static readonly (int First, int Last, int Script)[] Ranges =
    [
        (0x0041, 0x005A, Latin), (0x0061, 0x007A, Latin), (0x00AA, 0x00AA, Latin),
        (0x00B5, 0x00B5, Common), // the micro sign: "µs" is Latin text
        (0x00BA, 0x00BA, Latin), (0x00C0, 0x02AF, Latin), // Latin-1 letters, Latin Extended-A and -B, IPA
        (0x02B0, 0x02FF, Common), // modifier letters: ʻ in "Hawaiʻi"
        (0x0370, 0x03E1, Greek), (0x03E2, 0x03EF, Coptic), (0x03F0, 0x03FF, Greek),
        (0x0400, 0x052F, Cyrillic), (0x0530, 0x058F, Armenian), (0x0590, 0x05FF, Hebrew), (0x0600, 0x06FF, Arabic), (0x0700, 0x074F, Syriac),
        (0x0750, 0x077F, Arabic), (0x0780, 0x07BF, Thaana), (0x07C0, 0x07FF, NKo), (0x0870, 0x08FF, Arabic),
        (0x0900, 0x097F, Devanagari), (0x0980, 0x09FF, Bengali), (0x0A00, 0x0A7F, Gurmukhi), (0x0A80, 0x0AFF, Gujarati), (0x0B00, 0x0B7F, Oriya),
        (0x0B80, 0x0BFF, Tamil), (0x0C00, 0x0C7F, Telugu), (0x0C80, 0x0CFF, Kannada), (0x0D00, 0x0D7F, Malayalam), (0x0D80, 0x0DFF, Sinhala),
        (0x0E00, 0x0E7F, Thai), (0x0E80, 0x0EFF, Lao), (0x0F00, 0x0FFF, Tibetan), (0x1000, 0x109F, Myanmar), (0x10A0, 0x10FF, Georgian),
        (0x1100, 0x11FF, Hangul), (0x1200, 0x139F, Ethiopic), (0x13A0, 0x13FF, Cherokee), (0x1400, 0x167F, CanadianAboriginal), (0x1680, 0x169F, Ogham),
        (0x16A0, 0x16FF, Runic), (0x1780, 0x17FF, Khmer), (0x1800, 0x18AF, Mongolian), (0x18B0, 0x18FF, CanadianAboriginal),
        (0x1C80, 0x1C8F, Cyrillic), (0x1C90, 0x1CBF, Georgian),
        // Phonetic extensions: Latin, but for a few small Greek and Cyrillic letters.
        (0x1D00, 0x1D25, Latin), (0x1D26, 0x1D2A, Greek), (0x1D2B, 0x1D2B, Cyrillic), (0x1D2C, 0x1D5C, Latin), (0x1D5D, 0x1D61, Greek),
        (0x1D62, 0x1D65, Latin), (0x1D66, 0x1D6A, Greek), (0x1D6B, 0x1D77, Latin), (0x1D78, 0x1D78, Cyrillic), (0x1D79, 0x1DBE, Latin),
        (0x1DBF, 0x1DBF, Greek), (0x1E00, 0x1EFF, Latin), (0x1F00, 0x1FFF, Greek),
        (0x2071, 0x2071, Latin), (0x207F, 0x207F, Latin), (0x2090, 0x209C, Latin),
        (0x2126, 0x2126, Greek), (0x212A, 0x212B, Latin), (0x2132, 0x2132, Latin), (0x214E, 0x214E, Latin), // Ω, K, Å, Ⅎ, ⅎ
        (0x2160, 0x2188, Latin), // Roman numerals
        (0x2C00, 0x2C5F, Glagolitic), (0x2C60, 0x2C7F, Latin), (0x2C80, 0x2CFF, Coptic), (0x2D00, 0x2D2F, Georgian), (0x2D30, 0x2D7F, Tifinagh),
        (0x2D80, 0x2DDF, Ethiopic), (0x2DE0, 0x2DFF, Cyrillic), (0x2E80, 0x2FDF, Han),
        (0x3000, 0x3004, Common), (0x3005, 0x3005, Han), (0x3006, 0x3006, Common), (0x3007, 0x3007, Han), (0x3008, 0x3020, Common),
        (0x3021, 0x3029, Han), (0x302A, 0x3037, Common), (0x3038, 0x303B, Han), (0x303C, 0x303F, Common),
        (0x3040, 0x309F, Hiragana), (0x30A0, 0x30FF, Katakana), (0x3100, 0x312F, Bopomofo), (0x3130, 0x318F, Hangul),
        (0x31A0, 0x31BF, Bopomofo), (0x31F0, 0x31FF, Katakana), (0x3400, 0x4DBF, Han), (0x4E00, 0x9FFF, Han),
        (0xA000, 0xA4CF, Yi), (0xA4D0, 0xA4FF, Lisu), (0xA500, 0xA63F, Vai), (0xA640, 0xA69F, Cyrillic), (0xA720, 0xA7FF, Latin),
        (0xA960, 0xA97F, Hangul), (0xAB30, 0xAB64, Latin), (0xAB65, 0xAB65, Greek), (0xAB66, 0xAB6F, Latin), (0xAB70, 0xABBF, Cherokee),
        (0xAC00, 0xD7FF, Hangul), (0xF900, 0xFAFF, Han), (0xFB00, 0xFB06, Latin), (0xFB13, 0xFB17, Armenian), (0xFB1D, 0xFB4F, Hebrew),
        (0xFB50, 0xFDFF, Arabic), (0xFE70, 0xFEFF, Arabic), (0xFF21, 0xFF3A, Latin), (0xFF41, 0xFF5A, Latin), (0xFF66, 0xFF9F, Katakana),
        (0xFFA0, 0xFFDC, Hangul), (0x20000, 0x3FFFF, Han),
    ];

    /// <summary>The script of a letter: from the table, Latin for ASCII at once, "other" when no range holds it.</summary>
    internal static int ScriptOf(int codePoint)
    {
        if (codePoint < 0x80)
        {
            return Latin;
        }

        int low = 0, high = Ranges.Length - 1;
        while (low <= high)
        {
            var middle = (low + high) >>> 1;
            var (first, last, script) = Ranges[middle];
            if (codePoint < first)
            {
                high = middle - 1;
            }
            else if (codePoint > last)
            {
                low = middle + 1;
            }
            else
            {
                return script;
            }
        }

        return Other;
    }

    /// <summary>The script's name, as the warnings name it.</summary>
    internal static string ScriptName(int script) => Names[script];

    /// <summary>True when the table is sorted and no two ranges overlap (for the unit test).</summary>
    internal static bool RangesAreOrdered()
    {
        for (var i = 1; i < Ranges.Length; i++)
        {
            if (Ranges[i].First <= Ranges[i - 1].Last || Ranges[i].First > Ranges[i].Last)
            {
                return false;
            }
        }

        return Ranges.All(r => r.Script < ScriptCount);
    }

    private static ulong Bits(params int[] scripts) => scripts.Aggregate(0UL, (bits, script) => bits | (1UL << script));
}
