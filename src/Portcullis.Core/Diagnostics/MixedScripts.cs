using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;

namespace Portcullis.Core.Diagnostics;

/// <summary>
/// Words whose letters are of several scripts, in a held call's arguments (string values and property names):
/// <c>"аdmin"</c> with a Cyrillic "а", or a Latin word with a Greek "ο" in it, reads as the Latin word to a reviewer.
/// The one check behind the review <c>warnings</c> of the admin API (which the console shows) and of the review webhook, and the caller-mode question.
/// </summary>
/// <remarks>
/// A word is a run of letters, letter numbers, digits, combining marks, format characters and unassigned code points (a
/// zero-width space, U+FFF0 or a Roman numeral "ⅾ" does not split one);
/// spaces, punctuation, symbols and emoji end it. Each letter's script comes from the table in
/// <c>MixedScripts.Table.cs</c>; digits, marks and the few letters Unicode gives no script (modifier letters, the micro
/// sign) count for none. A word mixes scripts when its letters are of two or more, except the writing systems that mix
/// them by design (Unicode TR 39's "highly restrictive" sets): Han with Hiragana and Katakana, with Hangul, or with
/// Bopomofo, each with Latin too. Text wholly in one script ("Привет, мир") is not flagged, and neither is a word of
/// one script made of look-alikes (an all-Cyrillic "сосо"). One pass over the text; printable ASCII is skipped at once,
/// and at most <see cref="MaxWarnings"/> words are reported, so a long argument costs little more than reading it. The
/// check goes on past the cap only until it meets one more such word, so that the list says whether it was cut
/// (<see cref="MixedScriptWarnings.Truncated"/>) instead of leaving a reader to guess from its length.
/// </remarks>
internal sealed partial class MixedScripts
{
    /// <summary>At most this many words are reported for one call's arguments.</summary>
    public const int MaxWarnings = 32;

    /// <summary>A longer word is reported as this many UTF-16 units of it, from a little before its first odd letter.</summary>
    public const int MaxWordLength = 64;

    /// <summary>At most this many distinct letters of a word's other scripts are listed.</summary>
    public const int MaxLetters = 16;

    private readonly List<MixedScriptWarning> _found = [];
    private readonly List<string> _path = [];
    private readonly int[] _counts = new int[ScriptCount];
    private readonly int[] _firstAt = new int[ScriptCount];
    private bool _truncated;

    private MixedScripts()
    {
    }

    /// <summary>True once a word past the cap was met: the list is cut, and the walk stops.</summary>
    private bool Full => _truncated;

    /// <summary>The words that mix scripts in <paramref name="arguments"/> (any JSON value), in document order.</summary>
    public static MixedScriptWarnings Find(JsonElement arguments)
    {
        var check = new MixedScripts();
        check.Walk(arguments);
        return new MixedScriptWarnings(check._found, check._truncated);
    }

    /// <summary>The same, for arguments given as their members.</summary>
    public static MixedScriptWarnings Find(IEnumerable<KeyValuePair<string, JsonElement>> arguments)
    {
        var check = new MixedScripts();
        foreach (var (name, value) in arguments)
        {
            if (check.Full)
            {
                break;
            }

            check.Member(name, value);
        }

        return new MixedScriptWarnings(check._found, check._truncated);
    }

    private void Walk(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                Text(value.GetString()!, inKey: false);
                break;
            case JsonValueKind.Object:
                foreach (var member in value.EnumerateObject())
                {
                    if (Full)
                    {
                        return;
                    }

                    Member(member.Name, member.Value);
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    if (Full)
                    {
                        return;
                    }

                    _path.Add(index++.ToString(CultureInfo.InvariantCulture));
                    Walk(item);
                    _path.RemoveAt(_path.Count - 1);
                }

                break;
        }
    }

    private void Member(string name, JsonElement value)
    {
        _path.Add(name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal));
        Text(name, inKey: true);
        if (!Full)
        {
            Walk(value);
        }

        _path.RemoveAt(_path.Count - 1);
    }

    private void Text(string text, bool inKey)
    {
        // ASCII holds Latin letters only: most values are done here, at vector speed.
        if (text.AsSpan().IndexOfAnyExceptInRange('\0', '\u007F') < 0)
        {
            return;
        }

        var start = -1;
        var scripts = 0UL;
        for (var i = 0; i < text.Length && !Full;)
        {
            Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var used);
            if (InWord(rune))
            {
                if (start < 0)
                {
                    start = i;
                    scripts = 0;
                }

                var script = HasScript(rune) ? ScriptOf(rune.Value) : Common;
                if (script != Common)
                {
                    var bit = 1UL << script;
                    if ((scripts & bit) == 0)
                    {
                        scripts |= bit;
                        _counts[script] = 0;
                        _firstAt[script] = i;
                    }

                    _counts[script]++;
                }
            }
            else if (start >= 0)
            {
                Word(text, start, i, scripts, inKey);
                start = -1;
            }

            i += used;
        }

        if (start >= 0 && !Full)
        {
            Word(text, start, text.Length, scripts, inKey);
        }
    }

    /// <summary>
    /// Letters, letter numbers, digits and marks make words; so do format characters and unassigned code points, so a
    /// zero-width space, or U+FFF0 that a browser draws as nothing, does not split one in two harmless halves, nor does
    /// a Roman numeral drawn as a letter ("ⅾ", U+217E).
    /// </summary>
    private static bool InWord(Rune rune) => Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter
            or UnicodeCategory.OtherLetter or UnicodeCategory.LetterNumber or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.NonSpacingMark
            or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format
            or UnicodeCategory.OtherNotAssigned => true,
        _ => false,
    };

    /// <summary>Letters and letter numbers ("Ⅻ" is Latin, "〇" Han) have a script; digits, marks and the rest count for none.</summary>
    private static bool HasScript(Rune rune) => Rune.IsLetter(rune) || Rune.GetUnicodeCategory(rune) == UnicodeCategory.LetterNumber;

    private void Word(string text, int start, int end, ulong scripts, bool inKey)
    {
        if (BitOperations.PopCount(scripts) < 2 || OneWritingSystem(scripts))
        {
            return;
        }

        if (_found.Count == MaxWarnings)
        {
            // One more than the list holds: it is cut here, which is all a reader needs to know of the rest.
            _truncated = true;
            return;
        }

        // The word's own script is the one most of its letters are in (on a tie Latin, then the first): the others' letters are the odd ones.
        var main = -1;
        for (var rest = scripts; rest != 0; rest &= rest - 1)
        {
            var script = BitOperations.TrailingZeroCount(rest);
            if (main < 0 || _counts[script] > _counts[main]
                || (_counts[script] == _counts[main] && main != Latin && (script == Latin || _firstAt[script] < _firstAt[main])))
            {
                main = script;
            }
        }

        var names = new List<(int At, string Name)>();
        var firstOdd = end;
        for (var rest = scripts; rest != 0; rest &= rest - 1)
        {
            var script = BitOperations.TrailingZeroCount(rest);
            if (script != main)
            {
                names.Add((_firstAt[script], ScriptName(script)));
                firstOdd = Math.Min(firstOdd, _firstAt[script]);
            }
        }

        names.Sort((a, b) => a.At.CompareTo(b.At));
        var from = Math.Max(start, firstOdd - (MaxWordLength / 4));
        var to = Math.Min(end, from + MaxWordLength);
        from = from > start && char.IsLowSurrogate(text[from]) ? from - 1 : from;
        to = to < end && char.IsHighSurrogate(text[to - 1]) ? to - 1 : to;

        var letters = new List<MixedScriptLetter>();
        foreach (var rune in text.AsSpan(from, to - from).EnumerateRunes())
        {
            if (letters.Count == MaxLetters)
            {
                break;
            }

            if (HasScript(rune) && ScriptOf(rune.Value) is var script && script != Common && script != main && !letters.Exists(l => l.Letter == rune))
            {
                letters.Add(new MixedScriptLetter(rune, ScriptName(script)));
            }
        }

        _found.Add(new MixedScriptWarning(Pointer(), inKey, text[from..to], [ScriptName(main), .. names.Select(n => n.Name)], letters));
    }

    /// <summary>True when the scripts are one writing system's (Japanese, Korean, Chinese with Bopomofo), Latin allowed in each.</summary>
    private static bool OneWritingSystem(ulong scripts)
    {
        foreach (var system in WritingSystems)
        {
            if ((scripts & ~system) == 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>JSON Pointer (RFC 6901) to where the walk is.</summary>
    private string Pointer() => _path.Count == 0 ? "" : "/" + string.Join('/', _path);
}
