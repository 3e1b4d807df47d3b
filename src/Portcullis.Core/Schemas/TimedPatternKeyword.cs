using System.Text.Json;
using System.Text.RegularExpressions;
using Json.Schema;

namespace Portcullis.Core.Schemas;

/// <summary>
/// <c>pattern</c> with a match timeout. JsonSchema.Net 8.0.5's own handler matches without one (it ignores
/// REGEX_DEFAULT_MATCH_TIMEOUT), so an upstream pattern with catastrophic backtracking and a crafted string
/// could hold a thread for minutes; here such a match fails the value instead.
/// </summary>
internal sealed class TimedPatternKeyword : IKeywordHandler
{
    public const string TimeoutError = "portcullis:pattern-timeout";

    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

    public string Name => "pattern";

    public object? ValidateKeywordValue(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            throw new JsonSchemaException("'pattern' must be a string");
        }

        return new Regex(value.GetString()!, RegexOptions.None, MatchTimeout);
    }

    public void BuildSubschemas(KeywordData keyword, BuildContext context)
    {
    }

    public KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
    {
        if (context.Instance.ValueKind != JsonValueKind.String)
        {
            return new KeywordEvaluation { Keyword = Name, IsValid = true };
        }

        try
        {
            var matched = ((Regex)keyword.Value!).IsMatch(context.Instance.GetString()!);
            return new KeywordEvaluation { Keyword = Name, IsValid = matched, Error = matched ? null : "does not match the pattern" };
        }
        catch (RegexMatchTimeoutException)
        {
            return new KeywordEvaluation { Keyword = Name, IsValid = false, Error = TimeoutError };
        }
    }
}
