using System.Text.Json;
using System.Text.RegularExpressions;
using Json.Schema;
using Json.Schema.Keywords;

namespace Portcullis.Core.Schemas;

/// <summary>
/// <c>patternProperties</c> with its keys matched as <see cref="TimedPatternKeyword"/> matches <c>pattern</c>: ECMA-262's
/// meaning, without backtracking where the pattern allows, within the call's <see cref="CheckBudget"/>. JsonSchema.Net
/// 8.0.5's own handler matches every member name without a timeout, so an upstream key such as <c>^(a+)+$</c> and one
/// crafted member name held a thread for as long as the agent liked.
/// </summary>
/// <remarks>
/// A subclass of the library's handler, so that <c>additionalProperties</c> and <c>unevaluatedProperties</c>, which read
/// its annotation (the names it matched), are still evaluated after it. A name whose match runs out of time or budget
/// is taken as matched by none and fails the keyword: the arguments are refused, never passed on unmatched.
/// </remarks>
internal sealed class TimedPatternPropertiesKeyword(TimeSpan matchTimeout) : PatternPropertiesKeyword
{
    public override object? ValidateKeywordValue(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new JsonSchemaException("'patternProperties' must be an object");
        }

        var regexes = new Dictionary<string, Regex>(StringComparer.Ordinal);
        foreach (var member in value.EnumerateObject())
        {
            if (member.Value.ValueKind is not (JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False))
            {
                throw new JsonSchemaException("the values of 'patternProperties' must be schemas");
            }

            regexes[member.Name] = TimedPatternKeyword.Compile(member.Name, matchTimeout);
        }

        return regexes;
    }

    public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
    {
        if (context.Instance.ValueKind != JsonValueKind.Object)
        {
            return KeywordEvaluation.Ignore;
        }

        var regexes = (Dictionary<string, Regex>)keyword.Value!;
        var evaluations = new List<EvaluationResults>();
        var matchedNames = new HashSet<string>(StringComparer.Ordinal);
        string? unmatched = null;
        foreach (var subschema in keyword.Subschemas)
        {
            // Thousands of patterns, each matched against every member name: each asks the budget, as an anyOf does.
            if (CheckBudget.Current is { } budget && !budget.TryCheckSubschemas(Name, context.InstanceLocation))
            {
                unmatched = BudgetedSubschemaKeywords.BudgetSpentError;
                break;
            }

            var pattern = subschema.RelativePath[subschema.RelativePath.SegmentCount - 1].ToString();
            var regex = regexes[pattern];
            var evaluationPath = context.EvaluationPath.Combine(Name, pattern);
            foreach (var member in context.Instance.EnumerateObject())
            {
                var matched = Match(regex, member.Name, out var notMatched);
                if (matched is null)
                {
                    // Every name still to match would be cut off too (the budget is spent): one fails the keyword.
                    unmatched = notMatched;
                    break;
                }

                if (matched == false)
                {
                    continue;
                }

                matchedNames.Add(member.Name);
                var result = subschema.Evaluate(context with
                {
                    InstanceLocation = context.InstanceLocation.Combine(member.Name),
                    Instance = member.Value,
                    EvaluationPath = evaluationPath,
                });
                evaluations.Add(result);
            }

            if (unmatched is not null)
            {
                break;
            }
        }

        var isValid = unmatched is null && evaluations.TrueForAll(e => e.IsValid);
        return new KeywordEvaluation
        {
            Keyword = Name,
            IsValid = isValid,
            Details = [.. evaluations],
            Annotation = JsonSerializer.SerializeToElement(matchedNames.ToArray(), SchemaJsonContext.Default.StringArray),
            Error = isValid ? null : unmatched ?? "some members do not match their schemas",
        };
    }

    /// <summary>
    /// Whether <paramref name="name"/> matches; null when it could not be told, with <paramref name="error"/> saying why:
    /// the match ran out of time, or the budget was spent before it began.
    /// </summary>
    private static bool? Match(Regex regex, string name, out string error)
    {
        error = TimedPatternKeyword.BudgetSpentError;
        try
        {
            return CheckBudget.Current is { } budget ? budget.IsMatch(regex, name) : regex.IsMatch(name);
        }
        catch (RegexMatchTimeoutException)
        {
            error = TimedPatternKeyword.TimeoutError;
            return null;
        }
    }
}
