using System.Text.Json;
using Json.Schema;

namespace Portcullis.Core.Schemas;

/// <summary>
/// One of the library's format checks that always answers: a value its parser throws on is not valid. The library's
/// <c>date-time</c> threw on the year 0000 (its pattern lets it through, <see cref="DateTime"/> has no such year) and
/// its <c>idn-email</c> on a domain with a quote or a control character, and the call ended <c>internal</c>.
/// </summary>
internal sealed class AnsweringFormat(Format checks) : Format(checks.Key)
{
    public override bool Validate(JsonElement value, out string? errorMessage)
    {
        try
        {
            return checks.Validate(value, out errorMessage);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Parsing a caller's string is all a format check does: whatever it could not parse is no valid value.
            errorMessage = null;
            return false;
        }
    }
}
