using System.Text.Json;
using Json.Schema;
using Json.Schema.Keywords;

namespace Portcullis.Core.Schemas;

/// <summary><c>enum</c>, with values compared exactly (<see cref="JsonValueKey"/>) rather than through <see cref="decimal"/>.</summary>
internal sealed class ExactEnumKeyword : IKeywordHandler
{
    public static readonly ExactEnumKeyword Instance = new();

    public string Name => EnumKeyword.Instance.Name;

    public object? ValidateKeywordValue(JsonElement value)
    {
        EnumKeyword.Instance.ValidateKeywordValue(value);
        return value.EnumerateArray().Select(JsonValueKey.Of).ToHashSet(StringComparer.Ordinal);
    }

    public void BuildSubschemas(KeywordData keyword, BuildContext context)
    {
    }

    public KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context) =>
        ((HashSet<string>)keyword.Value!).Contains(JsonValueKey.Of(context.Instance))
            ? new KeywordEvaluation { Keyword = Name, IsValid = true }
            : new KeywordEvaluation { Keyword = Name, IsValid = false, Error = "is not one of the values allowed" };
}
