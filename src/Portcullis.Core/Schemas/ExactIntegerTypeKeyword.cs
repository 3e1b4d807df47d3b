using System.Runtime.InteropServices;
using System.Text.Json;
using Json.Schema;
using Json.Schema.Keywords;

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
    /// Whether a JSON number, as written (RFC 8259's grammar: <c>-? int frac? exp?</c>), has no fractional part: its
    /// digits without their trailing zeros, shifted by its exponent less the digits after the point, leave none after it.
    /// </summary>
    internal static bool IsInteger(ReadOnlySpan<byte> number)
    {
        var i = number.Length > 0 && number[0] == (byte)'-' ? 1 : 0;
        var integralEnd = i;
        while (integralEnd < number.Length && char.IsAsciiDigit((char)number[integralEnd]))
        {
            integralEnd++;
        }

        var fraction = ReadOnlySpan<byte>.Empty;
        var end = integralEnd;
        if (end < number.Length && number[end] == (byte)'.')
        {
            end++;
            var start = end;
            while (end < number.Length && char.IsAsciiDigit((char)number[end]))
            {
                end++;
            }

            fraction = number[start..end];
        }

        var exponent = end < number.Length && (number[end] | 0x20) == (byte)'e' ? Exponent(number[(end + 1)..]) : 0;
        var integral = number[i..integralEnd];

        // Trailing zeros of the digits (the integral part's count only when the fraction is all zeros).
        var fractionDigits = fraction.TrimEnd((byte)'0').Length;
        if (fractionDigits == 0)
        {
            var integralDigits = integral.TrimEnd((byte)'0').Length;
            if (integralDigits == 0)
            {
                return true;
            }

            // No fraction left: the value is the integral digits times a power of ten.
            var zeros = integral.Length - integralDigits;
            return exponent >= -zeros;
        }

        return exponent >= fractionDigits;
    }

    /// <summary>The exponent's value, saturated far beyond any count of digits a body can hold.</summary>
    private static long Exponent(ReadOnlySpan<byte> text)
    {
        var negative = text.Length > 0 && text[0] == (byte)'-';
        var digits = text.Length > 0 && (text[0] == (byte)'-' || text[0] == (byte)'+') ? text[1..] : text;
        long value = 0;
        foreach (var digit in digits)
        {
            value = Math.Min(value * 10 + (digit - '0'), int.MaxValue);
        }

        return negative ? -value : value;
    }
}
