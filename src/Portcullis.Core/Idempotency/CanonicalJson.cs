using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Portcullis.Core.Idempotency;

/// <summary>
/// RFC 8785 (JSON Canonicalization Scheme): properties sorted by UTF-16 code units, numbers in ECMAScript's
/// shortest form, strings with the minimal escapes, no whitespace.
/// </summary>
internal static class CanonicalJson
{
    /// <summary>Writes the canonical form of an object given as its properties; false if the JSON is not I-JSON.</summary>
    /// <param name="properties">The object's properties.</param>
    /// <param name="output">Where the canonical form is written.</param>
    /// <param name="integerSpelling">
    /// Whether an integer written without fraction or exponent and with more digits than a double keeps exactly stays
    /// apart from the same value written otherwise (see <see cref="TryWrite"/>): true for a call's fingerprint.
    /// </param>
    public static bool TryWriteObject(IEnumerable<KeyValuePair<string, JsonElement>> properties, StringBuilder output, bool integerSpelling = false)
    {
        var sorted = properties.ToList();
        sorted.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        output.Append('{');
        for (var i = 0; i < sorted.Count; i++)
        {
            if (i > 0)
            {
                if (string.Equals(sorted[i - 1].Key, sorted[i].Key, StringComparison.Ordinal))
                {
                    return false;
                }

                output.Append(',');
            }

            if (!TryWriteString(sorted[i].Key, output))
            {
                return false;
            }

            output.Append(':');
            if (!TryWrite(sorted[i].Value, output, integerSpelling))
            {
                return false;
            }
        }

        output.Append('}');
        return true;
    }

    /// <summary>
    /// Whether a normal form (<see cref="DecimalText.Normalize"/>: significant digits, <c>e</c>, exponent) is an integer an
    /// integer literal too long for a double's precision (16 digits or more) could spell.
    /// </summary>
    private static bool IsLongInteger(string exact)
    {
        var at = exact.IndexOf('e', StringComparison.Ordinal);
        var digits = at - (exact.StartsWith('-') ? 1 : 0);
        return at > 0 && long.TryParse(exact.AsSpan(at + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var exponent)
            && exponent >= 0 && digits + exponent >= 16;
    }

    /// <summary>Writes the canonical form of one value; false if it is not I-JSON (duplicate names, lone surrogates, overflow).</summary>
    /// <remarks>
    /// With <paramref name="integerSpelling"/>, an integer literal of more than 15 digits (<c>1234567890123456789</c>) is
    /// written in a form of its own, never shared with the same value written with a fraction or an exponent
    /// (<c>1234567890123456789.0</c>, <c>1.234567890123456789e18</c>), which has a form of its own too, apart from the one
    /// both had before. An upstream may read the two differently: Python
    /// reads the first as that integer and the others as a double, 1234567890123456768, which a typed tool then takes
    /// as its integer. An approval of the one must not run the other.
    /// </remarks>
    public static bool TryWrite(JsonElement value, StringBuilder output, bool integerSpelling = false)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                return TryWriteObject(value.EnumerateObject().Select(p => new KeyValuePair<string, JsonElement>(p.Name, p.Value)), output, integerSpelling);
            case JsonValueKind.Array:
                output.Append('[');
                var first = true;
                foreach (var item in value.EnumerateArray())
                {
                    if (!first)
                    {
                        output.Append(',');
                    }

                    first = false;
                    if (!TryWrite(item, output, integerSpelling))
                    {
                        return false;
                    }
                }

                output.Append(']');
                return true;
            case JsonValueKind.String:
                string text;
                try
                {
                    text = value.GetString()!;
                }
                catch (InvalidOperationException)
                {
                    return false;
                }

                return TryWriteString(text, output);
            case JsonValueKind.Number:
                var raw = value.GetRawText();
                if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number))
                {
                    return false;
                }

                // RFC 8785 writes a number as its double. A number with more precision than a double holds
                // (9007199254740993, 0.10000000000000001, 1e-400) would share that form with another value: such a
                // number is written exactly instead, in a form no double's takes, so different values never share a
                // fingerprint (nor an approval).
                var shortest = EcmaNumber.Format(number);
                if (DecimalText.FitsADouble(raw))
                {
                    output.Append(shortest);
                    return true;
                }

                if (DecimalText.Normalize(raw) is not { } exact)
                {
                    return false;
                }

                if (integerSpelling && !raw.AsSpan().ContainsAny('.', 'e', 'E'))
                {
                    // An upper-case E: no double's shortest form nor any exact form takes it.
                    output.Append(exact.Replace('e', 'E'));
                    return true;
                }

                if (integerSpelling && IsLongInteger(exact))
                {
                    // The same value written with a fraction or an exponent: an upper-case E and a plus sign, which no other
                    // form takes either. Not the form keys were stored under before the integer literal had its own
                    // (Fingerprint.ComputeAsBeforeIntegerSpelling), which such a literal shares: a retry in the other spelling
                    // is never answered by this call's record.
                    output.Append(exact.Replace("e", "E+", StringComparison.Ordinal));
                    return true;
                }

                output.Append(string.Equals(exact, DecimalText.Normalize(shortest), StringComparison.Ordinal) ? shortest : exact);
                return true;
            case JsonValueKind.True:
                output.Append("true");
                return true;
            case JsonValueKind.False:
                output.Append("false");
                return true;
            case JsonValueKind.Null:
                output.Append("null");
                return true;
            default:
                return false;
        }
    }

    private static bool TryWriteString(string text, StringBuilder output)
    {
        output.Append('"');
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '"':
                    output.Append("\\\"");
                    break;
                case '\\':
                    output.Append("\\\\");
                    break;
                case '\b':
                    output.Append("\\b");
                    break;
                case '\f':
                    output.Append("\\f");
                    break;
                case '\n':
                    output.Append("\\n");
                    break;
                case '\r':
                    output.Append("\\r");
                    break;
                case '\t':
                    output.Append("\\t");
                    break;
                default:
                    if (c < 0x20)
                    {
                        output.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else if (char.IsHighSurrogate(c))
                    {
                        if (i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]))
                        {
                            return false;
                        }

                        output.Append(c).Append(text[++i]);
                    }
                    else if (char.IsLowSurrogate(c))
                    {
                        return false;
                    }
                    else
                    {
                        output.Append(c);
                    }

                    break;
            }
        }

        output.Append('"');
        return true;
    }
}
