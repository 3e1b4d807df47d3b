using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Portcullis.Core.Errors;

namespace Portcullis.Core.Schemas;

/// <summary>
/// Nesting depth, string length and value count limits on call arguments, and the range of a 64-bit float on their
/// numbers, checked before schema evaluation and without any allocation proportional to the input: lengths and numbers
/// are read from the raw UTF-8, and a JSON Pointer is built only for the one place that passes a limit.
/// </summary>
/// <remarks>
/// The count bounds the schema check's work: the schema library spends microseconds and allocates on every value it
/// judges, so one body of small values (half a million items of <c>[1,1,…]</c> fit in 1 MiB) held a CPU core for tens of
/// seconds, and a few such calls at once the whole gateway.
/// </remarks>
internal static class JsonLimits
{
    /// <summary>
    /// The first place the arguments pass a limit, or null when they stay within all of them. <paramref name="maxValues"/>
    /// counts every value the arguments hold, at any depth: each member (its name with its value) and each array item.
    /// </summary>
    public static ErrorDetail? Check(IDictionary<string, JsonElement> arguments, int maxDepth, int maxStringLength, int maxValues = int.MaxValue)
    {
        if (maxDepth < 1)
        {
            return new ErrorDetail("", "max_depth", $"nesting deeper than {maxDepth} levels is not accepted");
        }

        var left = maxValues;
        foreach (var (name, value) in arguments)
        {
            if (name.Length > maxStringLength)
            {
                return TooLong(JsonPointers.Append("", name), maxStringLength);
            }

            if (--left < 0)
            {
                return TooMany(JsonPointers.Append("", name), maxValues);
            }

            if (Walk(value, 2, maxDepth, maxStringLength, numbers: true, ref left) is { } problem)
            {
                problem.Segments.Add(name);
                return problem.ToDetail(maxDepth, maxStringLength, maxValues);
            }
        }

        return null;
    }

    /// <summary>
    /// The first value past <paramref name="maxValues"/> in <paramref name="value"/> (counted as in
    /// <see cref="Check"/>), or null: how an upstream's <c>structuredContent</c> is bounded before it is judged against
    /// the tool's output schema, which costs as much per value as an argument's check. Its depth, strings and numbers are
    /// the upstream's business and are not judged.
    /// </summary>
    public static ErrorDetail? CheckValues(JsonElement value, int maxValues)
    {
        var left = maxValues;
        return Walk(value, 1, int.MaxValue, int.MaxValue, numbers: false, ref left) is { } problem
            ? problem.ToDetail(int.MaxValue, int.MaxValue, maxValues)
            : null;
    }

    private static Problem? Walk(JsonElement value, int depth, int maxDepth, int maxStringLength, bool numbers, ref int left)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return Utf16Length(JsonMarshal.GetRawUtf8Value(value)[1..^1], maxStringLength) > maxStringLength ? new Problem(TooLongKeyword) : null;
            case JsonValueKind.Object:
                if (depth > maxDepth)
                {
                    return new Problem(TooDeepKeyword);
                }

                foreach (var property in value.EnumerateObject())
                {
                    var problem = Utf16Length(JsonMarshal.GetRawUtf8PropertyName(property), maxStringLength) > maxStringLength
                        ? new Problem(TooLongKeyword)
                        : --left < 0
                            ? new Problem(TooManyKeyword)
                            : Walk(property.Value, depth + 1, maxDepth, maxStringLength, numbers, ref left);
                    if (problem is not null)
                    {
                        problem.Segments.Add(property.Name);
                        return problem;
                    }
                }

                return null;
            case JsonValueKind.Array:
                if (depth > maxDepth)
                {
                    return new Problem(TooDeepKeyword);
                }

                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    if ((--left < 0 ? new Problem(TooManyKeyword) : Walk(item, depth + 1, maxDepth, maxStringLength, numbers, ref left)) is { } problem)
                    {
                        problem.Segments.Add(index.ToString(System.Globalization.CultureInfo.InvariantCulture));
                        return problem;
                    }

                    index++;
                }

                return null;
            case JsonValueKind.Number:
                return !numbers || FitsADouble(JsonMarshal.GetRawUtf8Value(value)) ? null : new Problem(NumberRangeKeyword);
            default:
                return null;
        }
    }

    /// <summary>
    /// Whether a JSON number is within a 64-bit float's range (RFC 7493, I-JSON). A larger one (<c>1e400</c>) is valid
    /// JSON and passes a bare <c>number</c> schema, but an upstream reads it as infinity, or fails on it: the value it
    /// acts on would not be the one the gateway checked. One too small to hold (<c>1e-400</c>) reads as zero; the
    /// schema's bounds already judge it exactly.
    /// </summary>
    internal static bool FitsADouble(ReadOnlySpan<byte> raw) =>
        (raw.Length < ShortestOutOfRange && raw.IndexOfAny((byte)'e', (byte)'E') < 0)
        || (double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number));

    /// <summary>A number without an exponent in fewer characters than this is below 1e300: no parse needed.</summary>
    private const int ShortestOutOfRange = 300;

    /// <summary>
    /// The UTF-16 length of a JSON string from its raw (escaped) UTF-8, counting no further than just past
    /// <paramref name="limit"/>: every escape is one code unit (a surrogate pair is two escapes), every UTF-8 sequence
    /// one, four-byte sequences two.
    /// </summary>
    internal static int Utf16Length(ReadOnlySpan<byte> raw, int limit)
    {
        if (raw.Length <= limit)
        {
            return raw.Length; // an upper bound, within the limit: nothing to count exactly
        }

        var count = 0;
        var i = 0;
        while (i < raw.Length && count <= limit)
        {
            var b = raw[i];
            (count, i) = b switch
            {
                (byte)'\\' => (count + 1, i + (i + 1 < raw.Length && raw[i + 1] == (byte)'u' ? 6 : 2)),
                < 0x80 => (count + 1, i + 1),
                < 0xE0 => (count + 1, i + 2),
                < 0xF0 => (count + 1, i + 3),
                _ => (count + 2, i + 4),
            };
        }

        return count;
    }

    private const string TooDeepKeyword = "max_depth";
    private const string TooLongKeyword = "max_string_length";
    private const string NumberRangeKeyword = "max_number";
    private const string TooManyKeyword = "max_values";

    private static ErrorDetail TooLong(string at, int maxStringLength) =>
        new(at, TooLongKeyword, $"is longer than {maxStringLength} characters; send a shorter value");

    private static ErrorDetail TooMany(string at, int maxValues) =>
        new(at, TooManyKeyword, string.Create(CultureInfo.InvariantCulture,
            $"is past the {maxValues} values (array items and object members, at any depth) the arguments may hold; send fewer values, or split the work into several calls"));

    /// <summary>A limit passed, and the path to it, innermost segment first.</summary>
    private sealed class Problem(string keyword)
    {
        public List<string> Segments { get; } = [];

        public ErrorDetail ToDetail(int maxDepth, int maxStringLength, int maxValues)
        {
            var at = "";
            for (var i = Segments.Count - 1; i >= 0; i--)
            {
                at = JsonPointers.Append(at, Segments[i]);
            }

            return keyword switch
            {
                TooDeepKeyword => new ErrorDetail(at, TooDeepKeyword, $"nests deeper than {maxDepth} levels; flatten the value"),
                NumberRangeKeyword => new ErrorDetail(at, NumberRangeKeyword,
                    "is beyond the range of a 64-bit floating-point number (about ±1.8e308), which no upstream can be relied on to read; send a smaller number"),
                TooManyKeyword => TooMany(at, maxValues),
                _ => TooLong(at, maxStringLength),
            };
        }
    }
}
