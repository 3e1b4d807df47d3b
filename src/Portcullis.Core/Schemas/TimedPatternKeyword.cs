using System.Text.Json;
using System.Text.RegularExpressions;
using Json.Schema;

namespace Portcullis.Core.Schemas;

/// <summary>
/// <c>pattern</c> within the call's <see cref="CheckBudget"/>, matched without backtracking where the pattern
/// allows. JsonSchema.Net 8.0.5's own handler matches without a timeout (it ignores REGEX_DEFAULT_MATCH_TIMEOUT), so
/// an upstream pattern with catastrophic backtracking and a crafted string could hold a thread for minutes, and a
/// request with thousands of such strings for hours.
/// </summary>
/// <remarks>
/// .NET's non-backtracking engine runs in time linear in the input and answers the same for <c>IsMatch</c>; patterns
/// it cannot run (backreferences, lookarounds, atomic groups) use the backtracking engine under the budget.
/// </remarks>
internal sealed class TimedPatternKeyword(TimeSpan matchTimeout) : IKeywordHandler
{
    public const string TimeoutError = "portcullis:pattern-timeout";
    public const string BudgetSpentError = "portcullis:pattern-budget-spent";

    public string Name => "pattern";

    public object? ValidateKeywordValue(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            throw new JsonSchemaException("'pattern' must be a string");
        }

        return Compile(value.GetString()!, matchTimeout);
    }

    /// <summary>The pattern with ECMA-262's meaning (<see cref="EcmaPattern"/>), without backtracking when the engine supports it, else with it.</summary>
    public static Regex Compile(string pattern, TimeSpan matchTimeout)
    {
        var dotNet = EcmaPattern.ToDotNet(pattern);
        try
        {
            return new Regex(dotNet, RegexOptions.NonBacktracking, matchTimeout);
        }
        catch (NotSupportedException)
        {
            return new Regex(dotNet, RegexOptions.None, matchTimeout);
        }
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

        var regex = (Regex)keyword.Value!;
        var input = context.Instance.GetString()!;
        try
        {
            var matched = CheckBudget.Current is { } budget ? budget.IsMatch(regex, input) : regex.IsMatch(input);
            return matched switch
            {
                true => new KeywordEvaluation { Keyword = Name, IsValid = true },
                false => new KeywordEvaluation { Keyword = Name, IsValid = false, Error = "does not match the pattern" },
                null => new KeywordEvaluation { Keyword = Name, IsValid = false, Error = BudgetSpentError },
            };
        }
        catch (RegexMatchTimeoutException)
        {
            return new KeywordEvaluation { Keyword = Name, IsValid = false, Error = TimeoutError };
        }
    }
}
