using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Portcullis.Core.Schemas;

/// <summary>RFC 6901 JSON Pointers: resolving one in a document, and appending a segment.</summary>
internal static class JsonPointers
{
    /// <summary>
    /// One step of a walk: the child named by <paramref name="segment"/> (unescaped) of <paramref name="parent"/>, which
    /// <paramref name="pointer"/>'s first <paramref name="parentLength"/> characters point to.
    /// </summary>
    internal delegate bool Step(string pointer, int parentLength, JsonElement parent, string segment, out JsonElement child);

    public static bool TryResolve(JsonElement root, string pointer, out JsonElement found) => TryWalk(root, pointer, Child, out found);

    /// <summary>Follows <paramref name="pointer"/> from <paramref name="root"/>, each segment by <paramref name="step"/>.</summary>
    internal static bool TryWalk(JsonElement root, string pointer, Step step, out JsonElement found)
    {
        found = root;
        if (pointer.Length == 0)
        {
            return true;
        }

        if (!pointer.StartsWith('/'))
        {
            return false;
        }

        var end = 0;
        while (end < pointer.Length)
        {
            var start = end + 1;
            var next = pointer.IndexOf('/', start);
            end = next < 0 ? pointer.Length : next;
            if (!step(pointer, start - 1, found, Unescape(pointer[start..end]), out found))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>An array segment's index: digits only, as RFC 6901 spells it.</summary>
    internal static bool TryIndex(string segment, out int index) =>
        int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out index);

    private static bool Child(string pointer, int parentLength, JsonElement parent, string segment, out JsonElement child)
    {
        child = default;
        switch (parent.ValueKind)
        {
            case JsonValueKind.Object:
                return parent.TryGetProperty(segment, out child);
            case JsonValueKind.Array when TryIndex(segment, out var index) && index < parent.GetArrayLength():
                child = parent[index];
                return true;
            default:
                return false;
        }
    }

    /// <summary>The unescaped segments of <paramref name="pointer"/>; none for the whole document, null when it is not a pointer.</summary>
    public static string[]? Segments(string pointer) =>
        pointer.Length == 0 ? []
        : pointer.StartsWith('/') ? [.. pointer[1..].Split('/').Select(Unescape)]
        : null;

    public static string Append(string pointer, string segment) =>
        pointer + "/" + segment.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    internal static string Unescape(string segment) =>
        segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);

    /// <summary>A short, single-line rendering of a JSON value for messages.</summary>
    public static string Show(JsonElement value)
    {
        var text = value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        return builder.Length > 80 ? builder.ToString(0, 77) + "..." : builder.ToString();
    }
}
