using Json.Schema;
using Json.Schema.Keywords;
using Draft06 = Json.Schema.Keywords.Draft06;
using Draft201909 = Json.Schema.Keywords.Draft201909;
using Draft202012 = Json.Schema.Keywords.Draft202012;

namespace Portcullis.Core.Schemas;

/// <summary>
/// The keywords through which a check's work can grow faster than the schema and the value together, asking the
/// call's <see cref="CheckBudget"/> first: references (<c>$ref</c>, <c>$dynamicRef</c>, <c>$recursiveRef</c>), the
/// branches of one value (<c>allOf</c>, <c>anyOf</c>, <c>oneOf</c>, <c>dependentSchemas</c>, <c>dependencies</c>) and
/// <c>propertyNames</c> (<c>patternProperties</c>, <see cref="TimedPatternPropertiesKeyword"/>, asks at each of its
/// patterns). Each is the library's own handler, subclassed so that its resolution and its place in the evaluation
/// order stay the library's; once the budget is spent it fails without checking anything.
/// </summary>
/// <remarks>
/// JsonSchema.Net checks without any limit: a schema that reaches one subschema along two references at each level
/// of a value checks it 2^n times for a value n levels deep (18 levels took 28 s; 64 would never end), and an
/// <c>anyOf</c> of thousands of branches under <c>items</c> checks each of thousands of items against every branch.
/// Without these keywords each subschema applies once to each value at its place, so what runs between two of them
/// is bounded by the schema's size times the value's. The keywords that produce or read annotations for others
/// (<c>properties</c>, <c>items</c>, <c>contains</c>, the <c>unevaluated</c> ones) are left as they are: the library
/// orders a dialect's keywords by their handlers' types, and a subclass of <c>unevaluatedProperties</c> never gets a
/// place in that order (building the dialect does not end).
/// </remarks>
internal static class BudgetedSubschemaKeywords
{
    public const string BudgetSpentError = "portcullis:check-budget-spent";

    /// <summary>The handlers in place of the library's for <paramref name="draft"/> (each draft has its own set of these keywords).</summary>
    public static IKeywordHandler[] For(Dialect draft)
    {
        IKeywordHandler[] common = [new Ref(), new AllOf(), new AnyOf(), new OneOf(), new PropertyNames()];
        return draft == Dialect.Draft202012 ? [.. common, new DynamicRef(), new DependentSchemas()]
            : draft == Dialect.Draft201909 ? [.. common, new RecursiveRef(), new DependentSchemas()]
            : [.. common, new Dependencies()];
    }

    /// <summary>A failure that names the budget when it allows no more subschemas; null when they may be checked.</summary>
    private static KeywordEvaluation? Refused(string name, EvaluationContext context) =>
        CheckBudget.Current is { } budget && !budget.TryCheckSubschemas(name, context.InstanceLocation)
            ? new KeywordEvaluation { Keyword = name, IsValid = false, Error = BudgetSpentError }
            : null;

    private sealed class Ref : RefKeyword
    {
        public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context) => Refused(Name, context) ?? base.Evaluate(keyword, context);
    }

    private sealed class DynamicRef : Draft202012.DynamicRefKeyword
    {
        public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context) => Refused(Name, context) ?? base.Evaluate(keyword, context);
    }

    private sealed class RecursiveRef : Draft201909.RecursiveRefKeyword
    {
        public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context) => Refused(Name, context) ?? base.Evaluate(keyword, context);
    }

    private sealed class AllOf : AllOfKeyword
    {
        public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context) => Refused(Name, context) ?? base.Evaluate(keyword, context);
    }

    private sealed class AnyOf : AnyOfKeyword
    {
        public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context) => Refused(Name, context) ?? base.Evaluate(keyword, context);
    }

    private sealed class OneOf : OneOfKeyword
    {
        public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context) => Refused(Name, context) ?? base.Evaluate(keyword, context);
    }

    private sealed class DependentSchemas : DependentSchemasKeyword
    {
        public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context) => Refused(Name, context) ?? base.Evaluate(keyword, context);
    }

    private sealed class Dependencies : Draft06.DependenciesKeyword
    {
        public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context) => Refused(Name, context) ?? base.Evaluate(keyword, context);
    }



    private sealed class PropertyNames : PropertyNamesKeyword
    {
        public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context) => Refused(Name, context) ?? base.Evaluate(keyword, context);
    }









}
