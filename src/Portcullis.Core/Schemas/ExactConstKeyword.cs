using System.Text.Json;
using Json.Schema;
using Json.Schema.Keywords;

namespace Portcullis.Core.Schemas;

/// <summary><c>const</c>, with values compared exactly (<see cref="JsonValueKey"/>) rather than through <see cref="decimal"/>.</summary>
internal sealed class ExactConstKeyword : IKeywordHandler
{
    public static readonly ExactConstKeyword Instance = new();

    public string Name => ConstKeyword.Instance.Name;

    public object? ValidateKeywordValue(JsonElement value) => JsonValueKey.Of(value);

    public void BuildSubschemas(KeywordData keyword, BuildContext context)
    {
    }

    public KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context) =>
        string.Equals((string)keyword.Value!, JsonValueKey.Of(context.Instance), StringComparison.Ordinal)
            ? new KeywordEvaluation { Keyword = Name, IsValid = true }
            : new KeywordEvaluation { Keyword = Name, IsValid = false, Error = "does not equal the constant" };
}
