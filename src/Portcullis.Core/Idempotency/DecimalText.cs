using System.Globalization;
using System.Numerics;
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

    /// <summary>The normal form of a JSON number's text (as JSON's grammar allows it, or as <see cref="EcmaNumber"/> writes it).</summary>
    public static string Normalize(ReadOnlySpan<char> number)
    {
        var negative = number.Length > 0 && number[0] == '-';
        if (negative)
        {
            number = number[1..];
        }

        var exponentAt = number.IndexOfAny('e', 'E');
        var mantissa = exponentAt < 0 ? number : number[..exponentAt];
        var exponent = exponentAt < 0 ? BigInteger.Zero : BigInteger.Parse(number[(exponentAt + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

        var digits = new StringBuilder(mantissa.Length);
        var point = mantissa.IndexOf('.');
        if (point >= 0)
        {
            digits.Append(mantissa[..point]).Append(mantissa[(point + 1)..]);
            exponent -= mantissa.Length - point - 1;
        }
        else
        {
            digits.Append(mantissa);
        }

        var text = digits.ToString().TrimStart('0');
        var significant = text.TrimEnd('0');
        if (significant.Length == 0)
        {
            return "0";
        }

        exponent += text.Length - significant.Length;
        return (negative ? "-" : "") + significant + "e" + exponent.ToString(CultureInfo.InvariantCulture);
    }
}
