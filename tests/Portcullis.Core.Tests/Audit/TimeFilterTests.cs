using CsCheck;
using Portcullis.Core.Audit;

namespace Portcullis.Core.Tests.Audit;

/// <summary>The <c>since</c>/<c>until</c> filters of <c>portcullis audit</c> and the admin API: durations and times, never a crash.</summary>
public sealed class TimeFilterTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("15m", 15 * 60)]
    [InlineData("1.5h", 90 * 60)]
    [InlineData("7d", 7 * 86400)]
    [InlineData(" 0s ", 0)]
    public void TryParse_Duration_IsThatLongBeforeNow(string text, int seconds)
    {
        Assert.True(TimeFilter.TryParse(text, Now, out var time));
        Assert.Equal(Now - TimeSpan.FromSeconds(seconds), time);
    }

    [Fact]
    public void TryParse_IsoTime_IsThatTimeInUtc()
    {
        Assert.True(TimeFilter.TryParse("2026-11-30T09:03:09+01:00", Now, out var time));
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 8, 3, 9, TimeSpan.Zero), time);
        Assert.Equal(TimeSpan.Zero, time.Offset);
    }

    [Theory]
    [InlineData("99999999d")]
    [InlineData("1000000d")]
    [InlineData("99999999999999999999h")]
    [InlineData("1e400s")]
    [InlineData("Infinityd")]
    [InlineData("NaNd")]
    [InlineData("-1h")]
    [InlineData("yesterday")]
    [InlineData("d")]
    [InlineData("")]
    [InlineData(null)]
    public void TryParse_UnrepresentableOrMalformed_IsRefused(string? text)
    {
        Assert.False(TimeFilter.TryParse(text, Now, out _));
    }

    [Fact]
    public void TryParse_DurationBackToTheFirstInstant_IsAcceptedAndADayMoreIsNot()
    {
        var reach = Now - DateTimeOffset.MinValue;

        Assert.True(TimeFilter.TryParse(reach.TotalDays.ToString("R", System.Globalization.CultureInfo.InvariantCulture) + "d", Now, out var earliest));
        Assert.True(earliest >= DateTimeOffset.MinValue);
        Assert.False(TimeFilter.TryParse((reach.TotalDays + 1).ToString("R", System.Globalization.CultureInfo.InvariantCulture) + "d", Now, out _));
    }

    [Fact]
    public void TryParse_AnyText_NeverThrows()
    {
        var durations = Gen.Select(Gen.Double[0, 1e30], Gen.Char["smhd"], (amount, unit) => amount.ToString("R", System.Globalization.CultureInfo.InvariantCulture) + unit);
        durations.Sample(text => !TimeFilter.TryParse(text, Now, out var time) || time <= Now);
        Gen.String.Sample(text => TimeFilter.TryParse(text, Now, out _) || true);
    }

    [Fact]
    public void TryParse_MoreDigitsThanADoubleHolds_IsRefused()
    {
        Assert.False(TimeFilter.TryParse("1" + new string('0', 400) + "s", Now, out _));
    }
}
