using System.Text;

namespace Portcullis.Core.Diagnostics;

/// <summary>One word of a call's arguments whose letters are of several scripts (see <see cref="MixedScripts"/>).</summary>
/// <param name="Pointer">JSON Pointer (RFC 6901) to the string value holding the word, or to the member whose name holds it.</param>
/// <param name="InKey">True when the word is in a property name, not in its value.</param>
/// <param name="Word">The word; of a long one, <see cref="MixedScripts.MaxWordLength"/> UTF-16 units from a little before its first odd letter.</param>
/// <param name="Scripts">Its letters' scripts: the one most of them are in first, then the others in order.</param>
/// <param name="Letters">The distinct letters in <paramref name="Word"/> of its other scripts, in order (at most <see cref="MixedScripts.MaxLetters"/>).</param>
internal sealed record MixedScriptWarning(string Pointer, bool InKey, string Word, IReadOnlyList<string> Scripts, IReadOnlyList<MixedScriptLetter> Letters)
{
    /// <summary>The warning's code in the admin API.</summary>
    public const string Code = "mixed_scripts";

    /// <summary>"mixes Latin and Cyrillic letters".</summary>
    public string Summary => "mixes " + (Scripts.Count == 2
        ? Scripts[0] + " and " + Scripts[1]
        : string.Join(", ", Scripts.Take(Scripts.Count - 1)) + " and " + Scripts[^1]) + " letters";

    /// <summary>
    /// One line for a person: <c>/user: "аdmin" mixes Latin and Cyrillic letters: а U+0430 Cyrillic</c>, hidden characters in
    /// the word written as escapes (<see cref="VisibleText"/>).
    /// </summary>
    public string Describe()
    {
        var line = new StringBuilder(Pointer.Length == 0 ? "the value" : VisibleText.Escape(Pointer))
            .Append(InKey ? " (property name)" : "")
            .Append(": \"").Append(VisibleText.Escape(Word)).Append("\" ").Append(Summary).Append(": ");
        line.AppendJoin(", ", Letters.Select(l => $"{l.Letter} {l.CodePoint} {l.Script}"));
        return line.ToString();
    }
}
