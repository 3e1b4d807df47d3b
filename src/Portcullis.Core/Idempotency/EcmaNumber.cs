using System.Globalization;
using System.Text;

namespace Portcullis.Core.Idempotency;

/// <summary>
/// ECMAScript's Number::toString for finite doubles (ECMA-262 §6.1.6.1.20), as RFC 8785 requires. .NET's
/// round-trip format gives the same shortest digits but writes exponents differently ("1E+21", "1E-07").
/// </summary>
internal static class EcmaNumber
{
    public static string Format(double value)
    {
        if (value == 0)
        {
            return "0"; // also -0
        }

        var negative = value < 0;
        // "R" is the shortest round-trip form on .NET Core 3.0+: the same digits ECMAScript chooses.
        var roundTrip = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        var exponentAt = roundTrip.IndexOf('E', StringComparison.Ordinal);
        var mantissa = exponentAt < 0 ? roundTrip : roundTrip[..exponentAt];
        var exponent = exponentAt < 0 ? 0 : int.Parse(roundTrip.AsSpan(exponentAt + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var point = mantissa.IndexOf('.', StringComparison.Ordinal);
        var digits = point < 0 ? mantissa : mantissa.Remove(point, 1);

        // value = 0.digits × 10^n
        var n = (point < 0 ? mantissa.Length : point) + exponent;
        var leading = 0;
        while (leading < digits.Length - 1 && digits[leading] == '0')
        {
            leading++;
        }

        digits = digits[leading..].TrimEnd('0');
        n -= leading;
        var k = digits.Length;

        var result = new StringBuilder(32);
        if (negative)
        {
            result.Append('-');
        }

        if (k <= n && n <= 21)
        {
            result.Append(digits).Append('0', n - k);
        }
        else if (0 < n && n <= 21)
        {
            result.Append(digits, 0, n).Append('.').Append(digits, n, k - n);
        }
        else if (-6 < n && n <= 0)
        {
            result.Append("0.").Append('0', -n).Append(digits);
        }
        else
        {
            result.Append(digits[0]);
            if (k > 1)
            {
                result.Append('.').Append(digits, 1, k - 1);
            }

            var e = n - 1;
            result.Append('e').Append(e >= 0 ? '+' : '-').Append(Math.Abs(e).ToString(CultureInfo.InvariantCulture));
        }

        return result.ToString();
    }
}
