using System.Text.Json;
using Json.Schema;

namespace Portcullis.Core.Configuration;

/// <summary>The published schema of the config file, embedded, and every violation of it.</summary>
internal static class ConfigSchema
{
    private static readonly Lazy<JsonSchema> Schema = new(Load);

    public static string Text()
    {
        using var stream = typeof(ConfigSchema).Assembly.GetManifestResourceStream("portcullis.schema.json")
            ?? throw new InvalidOperationException("The embedded config schema is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public static IEnumerable<ConfigError> Check(JsonElement config)
    {
        var results = Schema.Value.Evaluate(config, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid)
        {
            yield break;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var detail in results.Details ?? [])
        {
            if (detail.Errors is null)
            {
                continue;
            }

            foreach (var (keyword, message) in detail.Errors)
            {
                // "oneOf" and "$ref" repeat what their branches already said.
                if (keyword is "$ref")
                {
                    continue;
                }

                var text = message;
                var path = JsonPath(detail.InstanceLocation.ToString());
                if (seen.Add(path + "\n" + text))
                {
                    yield return new ConfigError(path, text);
                }
            }
        }
    }

    /// <summary>Turns a JSON Pointer into a JSONPath such as <c>$.connectors[0].auth</c>.</summary>
    public static string JsonPath(string pointer)
    {
        if (pointer.Length == 0 || pointer == "#")
        {
            return "$";
        }

        var builder = new System.Text.StringBuilder("$");
        foreach (var raw in pointer.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var segment = raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (int.TryParse(segment, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index))
            {
                builder.Append('[').Append(index).Append(']');
            }
            else if (System.Text.RegularExpressions.Regex.IsMatch(segment, "^[A-Za-z_][A-Za-z0-9_]*$"))
            {
                builder.Append('.').Append(segment);
            }
            else
            {
                builder.Append("['").Append(segment.Replace("'", "\\'", StringComparison.Ordinal)).Append("']");
            }
        }

        return builder.ToString();
    }

    private static JsonSchema Load()
    {
        using var document = JsonDocument.Parse(Text());
        var options = new BuildOptions { Dialect = Dialect.Draft202012, SchemaRegistry = new SchemaRegistry() };
        return JsonSchema.Build(document.RootElement.Clone(), options);
    }
}
