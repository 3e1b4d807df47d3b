using System.Text.Json;

namespace Portcullis.Core.Configuration;

/// <summary>
/// What the config's JSON text gets wrong before any key is read, each an error at its path:
/// <list type="bullet">
/// <item>a key written twice in one object: JSON parsers disagree on which value counts (the gateway's took the last, a
/// reviewer or a diff reads the first), so <c>"mode": "oauth", "mode": "none"</c> could open a connector unnoticed;</item>
/// <item>a key or a string holding half of a UTF-16 surrogate pair (<c>"\ud800"</c>): valid JSON syntax, but not text,
/// so no value of the config can be read from it.</item>
/// </list>
/// </summary>
internal static class ConfigText
{
    private const string HalfPair = "half of a UTF-16 surrogate pair (a \\uD800-\\uDFFF escape without its other half), which is not text; write the character whole or remove it";

    /// <summary>Every such error in <paramref name="root"/>; <paramref name="unreadable"/> when some text cannot be read, so nothing else can be checked.</summary>
    public static List<ConfigError> Find(JsonElement root, out bool unreadable)
    {
        var errors = new List<ConfigError>();
        var halves = 0;
        Walk(root, "$", errors, ref halves);
        unreadable = halves > 0;
        return errors;
    }

    private static void Walk(JsonElement element, string path, List<ConfigError> errors, ref int halves)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var seen = new HashSet<string>(StringComparer.Ordinal);
                var number = 0;
                foreach (var property in element.EnumerateObject())
                {
                    number++;
                    if (!TryName(property, out var name))
                    {
                        halves++;
                        errors.Add(new ConfigError(path, $"its key number {number} holds {HalfPair}"));
                        continue;
                    }

                    var at = ConfigPaths.Property(path, name);
                    if (!seen.Add(name))
                    {
                        errors.Add(new ConfigError(at, "is written twice in the same object; keep one (parsers disagree on which counts)"));
                        continue;
                    }

                    Walk(property.Value, at, errors, ref halves);
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Walk(item, ConfigPaths.Index(path, index++), errors, ref halves);
                }

                break;
            case JsonValueKind.String when !IsText(element):
                halves++;
                errors.Add(new ConfigError(path, "holds " + HalfPair));
                break;
        }
    }

    private static bool TryName(JsonProperty property, out string name)
    {
        try
        {
            name = property.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            name = "";
            return false;
        }
    }

    private static bool IsText(JsonElement value)
    {
        try
        {
            _ = value.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
