using System.Text.Json;
using Json.Schema;
using Json.Schema.Keywords;

namespace Portcullis.Core.Schemas;

/// <summary><c>uniqueItems</c>, with items compared exactly (<see cref="JsonValueKey"/>) rather than through <see cref="decimal"/>.</summary>
internal sealed class ExactUniqueItemsKeyword : IKeywordHandler
{
    public static readonly ExactUniqueItemsKeyword Instance = new();

    public string Name => UniqueItemsKeyword.Instance.Name;

    public object? ValidateKeywordValue(JsonElement value)
    {
        if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            throw new JsonSchemaException("'uniqueItems' must be a boolean");
        }

        return value.ValueKind == JsonValueKind.True;
    }

    public void BuildSubschemas(KeywordData keyword, BuildContext context)
    {
    }

    public KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
    {
        if (!(bool)keyword.Value! || context.Instance.ValueKind != JsonValueKind.Array)
        {
            return new KeywordEvaluation { Keyword = Name, IsValid = true };
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        return context.Instance.EnumerateArray().All(item => seen.Add(JsonValueKey.Of(item)))
            ? new KeywordEvaluation { Keyword = Name, IsValid = true }
            : new KeywordEvaluation { Keyword = Name, IsValid = false, Error = "has items that are equal" };
    }
}
