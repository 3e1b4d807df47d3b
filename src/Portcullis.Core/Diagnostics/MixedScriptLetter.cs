using System.Globalization;
using System.Text;

namespace Portcullis.Core.Diagnostics;

/// <summary>A letter of a word that is not in the script of the rest of it, with its script's name.</summary>
internal readonly record struct MixedScriptLetter(Rune Letter, string Script)
{
    /// <summary>"U+0430".</summary>
    public string CodePoint => "U+" + Letter.Value.ToString("X4", CultureInfo.InvariantCulture);
}
