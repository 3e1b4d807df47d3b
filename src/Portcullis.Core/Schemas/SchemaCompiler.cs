using System.Text.Json;
using Json.Schema;

namespace Portcullis.Core.Schemas;

/// <summary>
/// Compiles tool schemas with the draft they declare (<see cref="SchemaDialects"/>; 2020-12, MCP's default, when none) and a private registry that never
/// fetches anything: a reference that does not resolve inside the schema itself fails compilation.
/// </summary>
internal static class SchemaCompiler
{
    /// <summary>
    /// The most subschemas checking one value may visit, references followed (<see cref="SchemaReferences.Expansion"/>):
    /// far past any tool's real schema, and still a few hundred milliseconds of checking at worst.
    /// </summary>
    public const long MaxExpansion = 10_000;

    /// <summary>Compiles <paramref name="schema"/> with the default pattern budget as each match's timeout.</summary>
    public static CompiledSchema? TryCompile(JsonElement schema, out string? failure) =>
        TryCompile(schema, TimeSpan.FromMilliseconds(Configuration.ConfigDefaults.PatternBudgetMs), out failure);

    /// <summary>Compiles <paramref name="schema"/>, or says in <paramref name="failure"/> why it cannot be used.</summary>
    /// <param name="schema">The schema.</param>
    /// <param name="patternTimeout">The longest one <c>pattern</c> match may take: the call's pattern budget.</param>
    /// <param name="failure">Why the schema cannot be used, or null.</param>
    public static CompiledSchema? TryCompile(JsonElement schema, TimeSpan patternTimeout, out string? failure)
    {
        if (schema.ValueKind is not (JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False))
        {
            failure = "the schema is not a JSON object";
            return null;
        }

        if (SchemaReferences.FindUnresolvable(schema) is { } reference)
        {
            failure = $"the reference '{reference}' does not resolve inside the schema (remote references are never fetched)";
            return null;
        }

        if (SchemaReferences.Expansion(schema, MaxExpansion) > MaxExpansion)
        {
            failure = $"checking a value would visit more than {MaxExpansion} subschemas once its references are followed (references that branch at every step); "
                + "such a schema would cost seconds of CPU, or all the memory, on every call";
            return null;
        }

        var fetched = false;
        var registry = new SchemaRegistry
        {
            Fetch = (_, _) =>
            {
                fetched = true;
                return null;
            },
        };
        try
        {
            var root = schema.Clone();
            if (SchemaDialects.ForTool(root, patternTimeout, out failure) is not { } dialect)
            {
                return null;
            }

            var built = JsonSchema.Build(root, new BuildOptions { Dialect = dialect, SchemaRegistry = registry });
            if (fetched)
            {
                failure = "the schema refers to a remote document (remote references are never fetched)";
                return null;
            }

            if (SchemaLoops.Find(built) is { } loop)
            {
                failure = loop;
                return null;
            }

            failure = null;
            return new CompiledSchema(built, root);
        }
        catch (Exception ex) when (ex is JsonSchemaException or RefResolutionException or ArgumentException or InvalidOperationException or JsonException or FormatException)
        {
            // The library's text names the keyword at fault; it goes to the operator's log only.
            failure = ex.Message;
            return null;
        }
    }
}
