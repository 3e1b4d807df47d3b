using System.Text.Json;
using Json.Schema;
using Portcullis.Core.Schemas;

namespace Portcullis.Core.Configuration;

/// <summary>The published schema of the config file, embedded, and every violation of it in words.</summary>
internal static class ConfigSchema
{
    private static readonly Lazy<JsonElement> Raw = new(() =>
    {
        using var document = JsonDocument.Parse(Text());
        return document.RootElement.Clone();
    });

    private static readonly Lazy<JsonSchema> Schema = new(() =>
        JsonSchema.Build(Raw.Value, new BuildOptions { Dialect = SchemaDialects.Config, SchemaRegistry = new SchemaRegistry() }));

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

        var seen = new HashSet<ConfigError>();
        foreach (var detail in results.Details ?? [])
        {
            if (detail.Errors is null)
            {
                continue;
            }

            foreach (var (keyword, message) in detail.Errors)
            {
                // A "$ref" failure repeats what the referenced schema already said.
                if (keyword is "$ref")
                {
                    continue;
                }

                var pointer = detail.InstanceLocation.ToString();
                foreach (var error in SchemaErrorWords.Describe(Raw.Value, config, pointer, keyword, message))
                {
                    if (seen.Add(error))
                    {
                        yield return error;
                    }
                }
            }
        }
    }
}
