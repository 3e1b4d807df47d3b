using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Schemas;

namespace Portcullis.Core.Tools;

/// <remarks>
/// A string holding half of a surrogate pair anywhere in a listed tool (its description, its title, its schemas) cannot
/// be read as .NET text, so the MCP client cannot read the tool at all. The gateway reads the list's JSON itself and
/// stands such a tool in by its name alone, with where its definition is not I-JSON: the catalog withholds it, and pin
/// reports it, as any other definition that is not I-JSON.
/// </remarks>
internal static partial class ToolDefinitionJson
{
    private static readonly ConditionalWeakTable<Tool, string> Unreadable = new();

    /// <summary>A schema no call satisfies: were the stand-in ever taken without its mark, it still could not be called.</summary>
    private static readonly JsonElement NoCall = JsonDocument.Parse("""{"type":"object","not":{}}""").RootElement.Clone();

    /// <summary>
    /// Whether the listed tool <paramref name="listed"/> holds text that cannot be read; if so, <paramref name="standIn"/>
    /// stands in for it, or is null when not even its name can be read (no allow-list can name it, so it is left out).
    /// </summary>
    public static bool TryStandIn(JsonNode? listed, out Tool? standIn)
    {
        standIn = null;
        if (listed is not JsonObject tool || UnreadableAt(tool, null, "") is not { } problem)
        {
            return false;
        }

        if (TryName(tool, out var name))
        {
            standIn = new Tool { Name = name, InputSchema = NoCall };
            Unreadable.Add(standIn, problem);
        }

        return true;
    }

    private static string? UnreadableProblem(Tool tool) => Unreadable.TryGetValue(tool, out var problem) ? problem : null;

    private static bool TryName(JsonObject tool, out string name)
    {
        name = "";
        try
        {
            return tool.TryGetPropertyValue("name", out var value) && value is JsonValue text && text.GetValueKind() == JsonValueKind.String
                && (name = text.GetValue<string>()).Length > 0;
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// Where in <paramref name="node"/> (the tool itself when <paramref name="field"/> is null, else the value of that
    /// member of it, at <paramref name="at"/>) a member name or a string cannot be read as .NET text, or null.
    /// </summary>
    private static string? UnreadableAt(JsonNode? node, string? field, string at)
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
                    if ((field is null ? UnreadableAt(value, name, "") : UnreadableAt(value, field, JsonPointers.Append(at, name))) is { } problem)
                    {
                        return problem;
                    }
                }

                return null;
            case JsonArray items:
                for (var i = 0; i < items.Count; i++)
                {
                    if (UnreadableAt(items[i], field, JsonPointers.Append(at, i.ToString(CultureInfo.InvariantCulture))) is { } problem)
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

    /// <summary><c>description</c>, or <c>inputSchema at '/properties/a'</c>, as <see cref="Problem(Tool)"/> words it.</summary>
    private static string Where(string? field, string at) =>
        field is null ? "the definition" : at.Length == 0 ? field : $"{field} at '{at}'";
}
