using System.Buffers;

namespace Portcullis.Core.State;

/// <summary>
/// Text every store keeps as given: without a NUL (PostgreSQL's text refuses it) or a lone UTF-16 surrogate (no UTF-8
/// encoder takes one). Text a client decoded from an opaque id or cursor is held to it before it reaches a store.
/// </summary>
public static class StoredText
{
    private static readonly SearchValues<char> Suspect = SearchValues.Create(
        [.. "\0", .. Enumerable.Range(0xD800, 0x800).Select(c => (char)c)]);

    public static bool IsStorable(string text)
    {
        var rest = text.AsSpan();
        while (rest.IndexOfAny(Suspect) is var i and >= 0)
        {
            if (rest[i] == '\0' || !char.IsHighSurrogate(rest[i]) || i + 1 >= rest.Length || !char.IsLowSurrogate(rest[i + 1]))
            {
                return false;
            }

            rest = rest[(i + 2)..];
        }

        return true;
    }
}
