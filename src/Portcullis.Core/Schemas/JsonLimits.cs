using System.Text.Json;
using Portcullis.Core.Errors;

namespace Portcullis.Core.Schemas;

/// <summary>Nesting depth and string length limits on call arguments, checked before schema evaluation.</summary>
internal static class JsonLimits
{
    /// <summary>The first place the arguments pass a limit, or null when they stay within both.</summary>
    public static ErrorDetail? Check(IDictionary<string, JsonElement> arguments, int maxDepth, int maxStringLength)
    {
        if (maxDepth < 1)
        {
            return new ErrorDetail("", "max_depth", $"nesting deeper than {maxDepth} levels is not accepted");
        }

        foreach (var (name, value) in arguments)
        {
            var at = JsonPointers.Append("", name);
            if (name.Length > maxStringLength)
            {
                return TooLong(at, maxStringLength);
            }

            if (Walk(value, at, 2, maxDepth, maxStringLength) is { } problem)
            {
                return problem;
            }
        }

        return null;
    }

    private static ErrorDetail? Walk(JsonElement value, string at, int depth, int maxDepth, int maxStringLength)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                // GetString allocates; the raw byte length bounds the character count from above.
                return value.GetRawText().Length - 2 > maxStringLength && value.GetString()!.Length > maxStringLength
                    ? TooLong(at, maxStringLength)
                    : null;
            case JsonValueKind.Object:
                if (depth > maxDepth)
                {
                    return TooDeep(at, maxDepth);
                }

                foreach (var property in value.EnumerateObject())
                {
                    var here = JsonPointers.Append(at, property.Name);
                    if (property.Name.Length > maxStringLength)
                    {
                        return TooLong(here, maxStringLength);
                    }

                    if (Walk(property.Value, here, depth + 1, maxDepth, maxStringLength) is { } problem)
                    {
                        return problem;
                    }
                }

                return null;
            case JsonValueKind.Array:
                if (depth > maxDepth)
                {
                    return TooDeep(at, maxDepth);
                }

                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    if (Walk(item, at + "/" + index++, depth + 1, maxDepth, maxStringLength) is { } problem)
                    {
                        return problem;
                    }
                }

                return null;
            default:
                return null;
        }
    }

    private static ErrorDetail TooDeep(string at, int maxDepth) =>
        new(at, "max_depth", $"nests deeper than {maxDepth} levels; flatten the value");

    private static ErrorDetail TooLong(string at, int maxStringLength) =>
        new(at, "max_string_length", $"is longer than {maxStringLength} characters; send a shorter value");
}
