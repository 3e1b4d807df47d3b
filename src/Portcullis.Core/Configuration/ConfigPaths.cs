using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Portcullis.Core.Configuration;

/// <summary>The JSONPath spelling of config locations (<c>$.connectors[0].tools['a.b']</c>), from and to other forms.</summary>
internal static partial class ConfigPaths
{
    /// <summary>Appends a property: <c>.name</c> when it is an identifier, <c>['name']</c> otherwise.</summary>
    public static string Property(string path, string name) =>
        Identifier().IsMatch(name) ? path + "." + name : path + "['" + name.Replace("'", "\\'", StringComparison.Ordinal) + "']";

    public static string Index(string path, int index) => path + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";

    /// <summary>Turns a JSON Pointer (<c>/connectors/0/auth</c>) into a JSONPath (<c>$.connectors[0].auth</c>).</summary>
    public static string FromPointer(string pointer) => Append("$", pointer);

    /// <summary>Appends the segments of a JSON Pointer to a JSONPath.</summary>
    public static string Append(string path, string pointer)
    {
        foreach (var raw in pointer.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var segment = raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            path = int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                ? Index(path, index)
                : Property(path, segment);
        }

        return path;
    }

    /// <summary>
    /// The segments of a JSONPath as System.Text.Json and this class write it: property names as strings, array
    /// indexes as ints. Null when the text is not such a path.
    /// </summary>
    public static IReadOnlyList<object>? Segments(string? path)
    {
        if (path is null || !path.StartsWith('$'))
        {
            return null;
        }

        var segments = new List<object>();
        var i = 1;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = i + 1;
                while (end < path.Length && path[end] is not ('.' or '['))
                {
                    end++;
                }

                segments.Add(path[(i + 1)..end]);
                i = end;
            }
            else if (path.AsSpan(i).StartsWith("['"))
            {
                var name = new StringBuilder();
                var j = i + 2;
                while (j < path.Length && !path.AsSpan(j).StartsWith("']"))
                {
                    if (path[j] == '\\' && j + 1 < path.Length)
                    {
                        j++;
                    }

                    name.Append(path[j++]);
                }

                if (j >= path.Length)
                {
                    return null;
                }

                segments.Add(name.ToString());
                i = j + 2;
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i);
                if (end < 0 || !int.TryParse(path.AsSpan(i + 1, end - i - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    return null;
                }

                segments.Add(index);
                i = end + 1;
            }
            else
            {
                return null;
            }
        }

        return segments;
    }

    /// <summary>Whether <paramref name="path"/> is <paramref name="ancestor"/> or lies under it.</summary>
    public static bool IsAtOrUnder(string path, string ancestor) =>
        path.Length >= ancestor.Length
        && path.StartsWith(ancestor, StringComparison.Ordinal)
        && (path.Length == ancestor.Length || path[ancestor.Length] is '.' or '[');

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex Identifier();
}
