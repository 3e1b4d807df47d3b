using System.Text.Json;
using Json.Schema;

namespace Portcullis.Core.Schemas;

/// <summary>
/// <c>$schema</c>, noted and nothing more. JsonSchema.Net 8.0.5 builds a schema that declares an official draft with
/// its own dialect for that draft, whatever dialect the build was given: the gateway's keywords (the pattern budget and
/// ECMA-262 patterns, exact comparisons of numbers) would be dropped for any schema that says which draft it follows,
/// as TypeScript servers' schemas do (<c>http://json-schema.org/draft-07/schema#</c>). With this handler in the dialect
/// the library never switches; <see cref="SchemaDialects"/> reads the declared draft and picks the gateway's dialect for it.
/// </summary>
internal sealed class DeclaredDialectKeyword : IKeywordHandler
{
    public static readonly DeclaredDialectKeyword Instance = new();

    public string Name => "$schema";

    public object? ValidateKeywordValue(JsonElement value) => null;

    public void BuildSubschemas(KeywordData keyword, BuildContext context)
    {
    }

    public KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context) => new() { Keyword = Name, IsValid = true };
}
