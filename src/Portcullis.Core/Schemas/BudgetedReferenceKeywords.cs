using Json.Schema;
using Json.Schema.Keywords;
using Json.Schema.Keywords.Draft201909;

namespace Portcullis.Core.Schemas;

/// <summary>
/// <c>$ref</c>, <c>$dynamicRef</c> and <c>$recursiveRef</c> followed only while the call's <see cref="CheckBudget"/>
/// has time left: each is the library's own handler (resolution included) with the budget asked before its target
/// is checked. JsonSchema.Net follows references without any limit, so a schema that reaches one subschema along
/// two references at every level of a value took minutes for a value 18 levels deep and would never end at 64.
/// </summary>
internal static class BudgetedReferenceKeywords
{
    public const string BudgetSpentError = "portcullis:reference-budget-spent";

    /// <summary>The handlers for a draft that has <c>$dynamicRef</c> (2020-12), <c>$recursiveRef</c> (2019-09), or neither.</summary>
    public static IKeywordHandler[] For(Dialect draft) =>
        draft == Dialect.Draft202012 ? [Ref.Instance, DynamicRef.Instance]
        : draft == Dialect.Draft201909 ? [Ref.Instance, RecursiveRef.Instance]
        : [Ref.Instance];

    /// <summary>A failure that names the budget when it allows no more references; null when the target may be checked.</summary>
    private static KeywordEvaluation? Refused(string name) =>
        CheckBudget.Current is { } budget && !budget.TryFollowReference()
            ? new KeywordEvaluation { Keyword = name, IsValid = false, Error = BudgetSpentError }
            : null;

    private sealed class Ref : RefKeyword
    {
        public static new readonly Ref Instance = new();

        public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context) =>
            Refused(Name) ?? base.Evaluate(keyword, context);
    }

    private sealed class DynamicRef : Json.Schema.Keywords.Draft202012.DynamicRefKeyword
    {
        public static new readonly DynamicRef Instance = new();

        public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context) =>
            Refused(Name) ?? base.Evaluate(keyword, context);
    }

    private sealed class RecursiveRef : RecursiveRefKeyword
    {
        public static new readonly RecursiveRef Instance = new();

        public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context) =>
            Refused(Name) ?? base.Evaluate(keyword, context);
    }
}
