using System.Globalization;
using System.Text.Json;
using Json.Schema;
using Json.Schema.Keywords;

namespace Portcullis.Core.Schemas;

/// <summary>
/// <c>exclusiveMinimum</c> and <c>exclusiveMaximum</c> as JsonSchema.Net 8.0.5 checks them, except that a number must
/// also stay beyond the bound once read as a double, as the upstream reads it (JavaScript, Python's float, Go's float64,
/// a C# double). A number with more precision than a double holds passed on its exact value and reached the upstream as
/// the very bound it excludes: <c>1e-400</c> under <c>exclusiveMinimum: 0</c> is 0 there, <c>99.99999999999999999</c>
/// under <c>exclusiveMaximum: 100</c> is 100. Inclusive bounds need no such check: rounding to the nearest double never
/// carries a number past a bound it is within.
/// </summary>
internal sealed class DoubleExclusiveBoundKeyword : IKeywordHandler
{
    public static readonly DoubleExclusiveBoundKeyword Minimum = new(ExclusiveMinimumKeyword.Instance, lower: true);

    public static readonly DoubleExclusiveBoundKeyword Maximum = new(ExclusiveMaximumKeyword.Instance, lower: false);

    private readonly IKeywordHandler _inner;
    private readonly bool _lower;

    private DoubleExclusiveBoundKeyword(IKeywordHandler inner, bool lower)
    {
        _inner = inner;
        _lower = lower;
    }

    public string Name => _inner.Name;

    public object? ValidateKeywordValue(JsonElement value) => _inner.ValidateKeywordValue(value);

    public void BuildSubschemas(KeywordData keyword, BuildContext context) => _inner.BuildSubschemas(keyword, context);

    public KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
    {
        var evaluation = _inner.Evaluate(keyword, context);
        if (!evaluation.IsValid || context.Instance.ValueKind != JsonValueKind.Number || keyword.RawValue.ValueKind != JsonValueKind.Number)
        {
            return evaluation;
        }

        var value = AsDouble(context.Instance);
        var bound = AsDouble(keyword.RawValue);
        var beyond = _lower ? value > bound : value < bound;
        return beyond
            ? evaluation
            : evaluation with { IsValid = false, Error = $"Value is {(_lower ? "at or below" : "at or above")} the exclusive bound once read as a double" };
    }

    /// <remarks>A number beyond a double's range reads as an infinity, as the upstream's parser reads it.</remarks>
    private static double AsDouble(JsonElement number) =>
        double.Parse(number.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture);
}
