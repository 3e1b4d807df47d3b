using System.Text.Json;
using Portcullis.Core.Configuration;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Admin;

/// <summary>The admin API's request bodies take only the properties they document: a misspelt one is refused, never dropped.</summary>
internal static class AdminBody
{
    /// <summary>The first property of the object <paramref name="body"/> not among <paramref name="names"/>, or given twice; null when none.</summary>
    public static string? Problem(JsonElement body, IReadOnlyList<string> names)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in body.EnumerateObject())
        {
            if (!names.Contains(property.Name, StringComparer.Ordinal))
            {
                var meant = DidYouMean.Suggest(property.Name, names) is { } suggestion ? $" (did you mean {suggestion}?)" : "";
                return $"{LogText.Safe(property.Name, 64)}: not a property of this body{meant}; it takes {string.Join(", ", names)}.";
            }

            if (!seen.Add(property.Name))
            {
                return $"{property.Name}: given twice; give each property once.";
            }
        }

        return null;
    }
}
