using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Schemas;

namespace Portcullis.Core.Tools;

/// <summary>
/// Whether the JSON an upstream gave in a tool's definition (its input and output schemas, its <c>_meta</c>) is I-JSON
/// (RFC 7493), as the gateway asks of a call's arguments: no member name twice in one object (parsers disagree on which
/// value counts, and a reviewer reads the other), no string holding half of a surrogate pair (it cannot be written out
/// again as UTF-8), no number beyond a double's range. Such a definition can be neither served nor pinned.
/// </summary>
internal static class ToolDefinitionJson
{
    /// <summary>Where and how the definition of <paramref name="tool"/> is not I-JSON, or null when it is.</summary>
    public static string? Problem(Tool tool) =>
        Upstreams.UnreadableDefinitions.Problem(tool)
        ?? Problem(tool.InputSchema, "inputSchema")
        ?? (tool.OutputSchema is { } output ? Problem(output, "outputSchema") : null)
        ?? (tool.Meta is { } meta ? MetaProblem(meta) : null);

    /// <summary>Where and how a <c>_meta</c> (a tool's, resource's, template's or prompt's) is not I-JSON, or null when it is.</summary>
    public static string? MetaProblem(JsonObject meta)
    {
        JsonElement element;
        try
        {
            element = JsonSerializer.SerializeToElement(meta, SchemaJsonContext.Default.JsonObject);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
        {
            // Only text that is not I-JSON fails to be written out again.
            return "_meta cannot be written as JSON text (a string holds half of a UTF-16 surrogate pair)";
        }

        return Problem(element, "_meta");
    }

    private static string? Problem(JsonElement value, string field, string at = "")
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in value.EnumerateObject())
                {
                    if (!TryRead(() => property.Name, out var name))
                    {
                        return $"{field} at '{at}' has a member name holding half of a UTF-16 surrogate pair";
                    }

                    var here = JsonPointers.Append(at, name);
                    if (!seen.Add(name))
                    {
                        return $"{field} names the member '{here}' twice in one object, and JSON parsers disagree on which value counts";
                    }

                    if (Problem(property.Value, field, here) is { } problem)
                    {
                        return problem;
                    }
                }

                return null;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    if (Problem(item, field, JsonPointers.Append(at, (index++).ToString(CultureInfo.InvariantCulture))) is { } problem)
                    {
                        return problem;
                    }
                }

                return null;
            case JsonValueKind.String:
                return TryRead(value.GetString, out _) ? null : $"{field} at '{at}' holds a string with half of a UTF-16 surrogate pair";
            case JsonValueKind.Number:
                return double.TryParse(value.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)
                    ? null
                    : $"{field} at '{at}' holds a number beyond a double's range";
            default:
                return null;
        }
    }

    private static bool TryRead(Func<string?> read, out string text)
    {
        try
        {
            text = read() ?? "";
            return true;
        }
        catch (InvalidOperationException)
        {
            text = "";
            return false;
        }
    }
}
