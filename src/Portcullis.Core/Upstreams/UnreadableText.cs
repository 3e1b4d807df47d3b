using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portcullis.Core.Schemas;

namespace Portcullis.Core.Upstreams;

/// <summary>
/// Where a listed item (a tool, resource, resource template or prompt, as the JSON of a list page holds it) has a member
/// name or a string that cannot be read as .NET text: half of a UTF-16 surrogate pair, which the MCP client refuses to read.
/// </summary>
internal static class UnreadableText
{
    /// <summary>Where and how <paramref name="item"/> cannot be read (<c>description holds a string with half …</c>), or null.</summary>
    public static string? In(JsonObject item) => At(item, null, "");

    /// <summary>The string value of the member <paramref name="key"/> of <paramref name="item"/>, when it is one that can be read and is not empty.</summary>
    public static bool TryString(JsonObject item, string key, out string value)
    {
        value = "";
        try
        {
            return item.TryGetPropertyValue(key, out var node) && node is JsonValue text && text.GetValueKind() == JsonValueKind.String
                && (value = text.GetValue<string>()).Length > 0;
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// Where in <paramref name="node"/> (the item itself when <paramref name="field"/> is null, else the value of that
    /// member of it, at <paramref name="at"/>) a member name or a string cannot be read as .NET text, or null.
    /// </summary>
    private static string? At(JsonNode? node, string? field, string at)
    {
        switch (node)
        {
            case JsonObject members:
                List<KeyValuePair<string, JsonNode?>> read;
                try
                {
                    read = [.. members];
                }
                catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
                {
                    // Read whole: a name that is not text, or one given twice, which a node cannot hold either.
                    return ex is ArgumentException
                        ? $"{Where(field, at)} names a member twice in one object, and JSON parsers disagree on which value counts"
                        : $"{Where(field, at)} has a member name holding half of a UTF-16 surrogate pair";
                }

                foreach (var (name, value) in read)
                {
                    if ((field is null ? At(value, name, "") : At(value, field, JsonPointers.Append(at, name))) is { } problem)
                    {
                        return problem;
                    }
                }

                return null;
            case JsonArray items:
                for (var i = 0; i < items.Count; i++)
                {
                    if (At(items[i], field, JsonPointers.Append(at, i.ToString(CultureInfo.InvariantCulture))) is { } problem)
                    {
                        return problem;
                    }
                }

                return null;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                try
                {
                    _ = value.GetValue<string>();
                    return null;
                }
                catch (InvalidOperationException)
                {
                    return $"{Where(field, at)} holds a string with half of a UTF-16 surrogate pair";
                }

            default:
                return null;
        }
    }

    /// <summary><c>description</c>, or <c>inputSchema at '/properties/a'</c>, as the not-I-JSON reasons word it.</summary>
    private static string Where(string? field, string at) =>
        field is null ? "the definition" : at.Length == 0 ? field : $"{field} at '{at}'";
}
