using System.Runtime.InteropServices;
using System.Text.Json;
using Json.Schema;
using Json.Schema.Keywords;
using Portcullis.Core.Idempotency;

namespace Portcullis.Core.Schemas;

/// <summary>
/// <c>type</c> as JsonSchema.Net 8.0.5 checks it, except that a number is an <c>integer</c> only when the number
/// written is one. JsonSchema.Net reads a number as a double, so <c>1.0000000000000001</c>, <c>1e-400</c> and
/// <c>12345678901234567890.5</c> passed as integers, and went on to an upstream that reads them as written (a
/// fraction its integer parser refuses, or a value other than the one checked).
/// </summary>
internal sealed class ExactIntegerTypeKeyword : IKeywordHandler
{
    public static readonly ExactIntegerTypeKeyword Instance = new();

    public string Name => TypeKeyword.Instance.Name;

    public object? ValidateKeywordValue(JsonElement value) => TypeKeyword.Instance.ValidateKeywordValue(value);

    public void BuildSubschemas(KeywordData keyword, BuildContext context) => TypeKeyword.Instance.BuildSubschemas(keyword, context);

    public KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
    {
        var evaluation = TypeKeyword.Instance.Evaluate(keyword, context);
        if (!evaluation.IsValid || context.Instance.ValueKind != JsonValueKind.Number || !IntegerOnly(keyword.RawValue)
            || IsInteger(JsonMarshal.GetRawUtf8Value(context.Instance)))
        {
            return evaluation;
        }

        return evaluation with { IsValid = false, Error = "Value is \"number\" but should be \"integer\"" };
    }

    /// <summary>Whether the types take an integer but not every number.</summary>
    private static bool IntegerOnly(JsonElement types) => types.ValueKind switch
    {
        JsonValueKind.String => types.ValueEquals("integer"),
        JsonValueKind.Array => types.EnumerateArray().Any(t => t.ValueEquals("integer")) && !types.EnumerateArray().Any(t => t.ValueEquals("number")),
        _ => false,
    };

    /// <summary>
    /// Whether a JSON number, as written, has no fractional part: no point and no exponent (most integers), or a
    /// normal form (<see cref="DecimalText"/>) whose power of ten is not negative.
    /// </summary>
    internal static bool IsInteger(ReadOnlySpan<byte> number)
    {
        if (number.IndexOfAny(".eE"u8) < 0)
        {
            return true;
        }

        var text = System.Text.Encoding.UTF8.GetString(number);
        if (DecimalText.Normalize(text) is { } normal)
        {
            return normal == "0" || normal[normal.LastIndexOf('e') + 1] != '-';
        }

        // An exponent of more than 9 digits: a positive one makes an integer; a negative one a fraction, unless every digit is 0.
        var exponent = text.AsSpan().IndexOfAny('e', 'E');
        return text[exponent + 1] != '-' || !text.AsSpan(0, exponent).ContainsAnyInRange('1', '9');
    }
}
