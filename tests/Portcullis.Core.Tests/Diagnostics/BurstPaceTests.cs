using Microsoft.Extensions.Time.Testing;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Tests.Diagnostics;

/// <summary>
/// The pace of HTTP-level refusals: a burst reported one by one, the rest of the window summed up when it closes, and
/// none left unreported.
/// </summary>
public sealed class BurstPaceTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(60);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly List<(long Count, string Latest)> _summaries = [];

    [Fact]
    public void Admit_TheBurstOneByOne_TheRestSummedUpWhenTheWindowCloses_WithTheirCountAndTheLatest()
    {
        using var pace = Pace(burst: 3);

        var admitted = Enumerable.Range(0, 1000).Select(i => pace.Admit("e" + i) == PaceVerdict.Admitted).ToList();
        _time.Advance(Window - TimeSpan.FromMilliseconds(1));
        var beforeTheWindowCloses = _summaries.Count;
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal([true, true, true], admitted.Take(3));
        Assert.All(admitted.Skip(3), Assert.False);
        Assert.Equal(0, beforeTheWindowCloses);
        Assert.Equal([(997L, "e999")], _summaries);
    }

    [Fact]
    public void Admit_WithinTheBurst_NothingIsHeldAndNothingSummedUp()
    {
        using var pace = Pace(burst: 3);

        Assert.Equal(PaceVerdict.Admitted, pace.Admit("a"));
        Assert.Equal(PaceVerdict.Admitted, pace.Admit("b"));
        _time.Advance(Window * 3);
        pace.Flush();

        Assert.Empty(_summaries);
        Assert.True(pace.TryRetire());
    }

    [Fact]
    public void Admit_AfterTheWindowCloses_ANewWindowOpensWithAWholeBurst()
    {
        using var pace = Pace(burst: 2);
        pace.Admit("a");
        _time.Advance(TimeSpan.FromSeconds(30));
        pace.Admit("b");
        var third = pace.Admit("c");
        var spent = pace.Spent;

        // The window opened with the first, not the last: 30 s later it closes, with c summed up.
        _time.Advance(TimeSpan.FromSeconds(30));
        var renewed = !pace.Spent;
        var next = new[] { pace.Admit("d"), pace.Admit("e"), pace.Admit("f") };
        _time.Advance(Window);

        Assert.Equal(PaceVerdict.Held, third);
        Assert.True(spent && renewed);
        Assert.Equal([PaceVerdict.Admitted, PaceVerdict.Admitted, PaceVerdict.Held], next);
        Assert.Equal([(1L, "c"), (1L, "f")], _summaries);
    }

    [Fact]
    public void Flush_ReportsWhatIsHeldAtOnce_AndOnlyOnce()
    {
        using var pace = Pace(burst: 1);
        pace.Admit("a");
        pace.Admit("b");
        pace.Admit("c");
        var retiredWhileHolding = pace.TryRetire();

        pace.Flush();
        pace.Flush();
        _time.Advance(Window * 2);

        Assert.False(retiredWhileHolding);
        Assert.Equal([(2L, "c")], _summaries);
        Assert.True(pace.TryRetire());
    }

    [Fact]
    public void TryRetire_WhileAWindowIsOpen_Refuses_SoForgettingTheSourceRenewsNoBurstEarly()
    {
        using var pace = Pace(burst: 5);
        pace.Admit("a");

        var retiredOpen = pace.TryRetire();
        var stillAdmits = pace.Admit("b");
        _time.Advance(Window);

        Assert.False(retiredOpen);
        Assert.Equal(PaceVerdict.Admitted, stillAdmits);
        Assert.True(pace.TryRetire());
    }

    [Fact]
    public void Admit_OnceRetired_TakesNoEvent_SoNoneIsHeldWhereTheFlushAtStopNoLongerLooks()
    {
        using var pace = Pace(burst: 1);

        var retired = pace.TryRetire();
        var again = pace.TryRetire();
        var verdicts = new[] { pace.Admit("a"), pace.Admit("b") };
        pace.Flush();
        _time.Advance(Window * 2);

        Assert.True(retired);
        Assert.False(again);
        Assert.Equal([PaceVerdict.Retired, PaceVerdict.Retired], verdicts);
        Assert.Empty(_summaries);
    }

    [Fact]
    public void Dispose_StopsTheTimerWithoutReporting()
    {
        var pace = Pace(burst: 1);
        pace.Admit("a");
        pace.Admit("b");

        pace.Dispose();
        _time.Advance(Window * 2);

        Assert.Empty(_summaries);
    }

    private BurstPace<string> Pace(int burst) => new(burst, Window, _time, (count, latest) => _summaries.Add((count, latest)));
}
