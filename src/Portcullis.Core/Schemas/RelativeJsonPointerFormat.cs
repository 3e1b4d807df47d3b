using System.Text.RegularExpressions;
using Json.Schema;

namespace Portcullis.Core.Schemas;

/// <summary>
/// The <c>relative-json-pointer</c> format, checked by its grammar alone: a non-negative integer in ASCII digits
/// without leading zeros, optionally an index manipulation (<c>+</c> or <c>-</c> and another such integer), then a JSON
/// Pointer or <c>#</c> (the draft's examples take <c>0-1#</c>; the ABNF left that form out and was corrected after).
/// The library's own check parsed the integer and threw on values a caller can send (a non-ASCII digit, an integer past
/// 32 bits), which ended the call as <c>internal</c> instead of refusing it.
/// </summary>
internal static partial class RelativeJsonPointerFormat
{
    public const string Name = "relative-json-pointer";

    /// <summary>The format, for the checks' own registry (<see cref="CheckedFormats"/>).</summary>
    public static readonly Format Instance = new RegexFormat(Name, Grammar());

    // \z, not $: a final line feed is not part of a valid pointer. Each token is set off by a '/', so the match is linear.
    [GeneratedRegex(@"^(?:0|[1-9][0-9]*)(?:[+-](?:0|[1-9][0-9]*))?(?:#|(?:/(?:[^/~]|~[01])*)*)\z", RegexOptions.CultureInvariant)]
    private static partial Regex Grammar();
}
