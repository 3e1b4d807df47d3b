using System.Globalization;
using System.Text;

namespace Portcullis.Core.Idempotency;

/// <summary>
/// The exact value a JSON number's text denotes, written one way only: its significant digits, then <c>e</c> and the
/// power of ten they are multiplied by (<c>1.50</c>, <c>15e-1</c> and <c>0.15e1</c> are all <c>15e-1</c>; zero is <c>0</c>).
/// </summary>
internal static class DecimalText
{
    /// <summary>
    /// Whether the text is sure to denote exactly the value of its double's shortest form, without working it out: at
    /// most 15 digits and no exponent (a double tells apart any two decimals of 15 significant digits, and such a
    /// number is far from a double's range limits). Most numbers are; the others are compared by their normal forms.
    /// </summary>
    public static bool FitsADouble(ReadOnlySpan<char> number) =>
        number.Length <= 17 && !number.ContainsAny('e', 'E') && number.Length - (number.StartsWith('-') ? 1 : 0) - (number.Contains('.') ? 1 : 0) <= 15;

    /// <summary>
    /// The normal form of a JSON number's text (as JSON's grammar allows it, or as <see cref="EcmaNumber"/> writes it),
    /// or null when its exponent has more than <see cref="MaxExponentDigits"/> digits (no number anyone means; working
    /// out its value would cost time that grows with the square of the exponent's length).
    /// </summary>
    public static string? Normalize(ReadOnlySpan<char> number)
    {
        var negative = number.Length > 0 && number[0] == '-';
        if (negative)
        {
            number = number[1..];
        }

        var exponentAt = number.IndexOfAny('e', 'E');
        var mantissa = exponentAt < 0 ? number : number[..exponentAt];
        long exponent = 0;
        if (exponentAt >= 0)
        {
            var text = number[(exponentAt + 1)..];
            var sign = text.Length > 0 && text[0] is '-' or '+' ? text[0] : '+';
            var digits = text.TrimStart("+-").TrimStart('0');
            if (digits.Length > MaxExponentDigits)
            {
                return null;
            }

            exponent = digits.IsEmpty ? 0 : long.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
            exponent = sign == '-' ? -exponent : exponent;
        }

        var all = new StringBuilder(mantissa.Length);
        var point = mantissa.IndexOf('.');
        if (point >= 0)
        {
            all.Append(mantissa[..point]).Append(mantissa[(point + 1)..]);
            exponent -= mantissa.Length - point - 1;
        }
        else
        {
            all.Append(mantissa);
        }

        var significand = all.ToString().TrimStart('0');
        var significant = significand.TrimEnd('0');
        if (significant.Length == 0)
        {
            return "0";
        }

        exponent += significand.Length - significant.Length;
        return (negative ? "-" : "") + significant + "e" + exponent.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The most digits an exponent may have (leading zeros aside): 10^999999999 is far past any double.</summary>
    internal const int MaxExponentDigits = 9;
}
