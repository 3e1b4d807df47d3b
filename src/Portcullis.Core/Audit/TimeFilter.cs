using System.Globalization;

namespace Portcullis.Core.Audit;

/// <summary>Reads a time filter: a duration back from now (<c>90s</c>, <c>15m</c>, <c>1h</c>, <c>7d</c>) or an ISO 8601 time.</summary>
/// <remarks>
/// A duration that reaches before 0001-01-01 UTC (<c>99999999d</c>) is refused rather than clamped: it is a typo, and a
/// filter that quietly meant something else would hide it.
/// </remarks>
public static class TimeFilter
{
    /// <summary>What a filter may be, for the messages that refuse one.</summary>
    public const string Expected = "a duration back from now such as 90s, 15m, 1h, 7d (reaching no earlier than 0001-01-01), or an ISO 8601 time";

    public static bool TryParse(string? text, DateTimeOffset now, out DateTimeOffset time)
    {
        time = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        var unit = text[^1];
        if (unit is 's' or 'm' or 'h' or 'd' && double.TryParse(text[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount) && amount >= 0)
        {
            var ticks = amount * unit switch
            {
                's' => TimeSpan.TicksPerSecond,
                'm' => TimeSpan.TicksPerMinute,
                'h' => TimeSpan.TicksPerHour,
                _ => TimeSpan.TicksPerDay,
            };
            var reach = now.UtcTicks - DateTimeOffset.MinValue.UtcTicks;
            if (!double.IsFinite(ticks) || ticks > reach)
            {
                return false;
            }

            // The comparison was in doubles: the last few ticks may round past the reach.
            time = new DateTimeOffset(now.UtcTicks - Math.Min((long)ticks, reach), TimeSpan.Zero);
            return true;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);
    }
}
