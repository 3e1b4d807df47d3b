using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using Portcullis.Core.Schemas;

namespace Portcullis.Core.Tests.Schemas;

/// <summary>The pattern budget counts CPU time; the engine's own timeout is wall-clock time.</summary>
public sealed class PatternBudgetTests
{
    // Catastrophic backtracking: the backtracking engine (a backreference keeps it off the linear one) runs out of time.
    private static readonly Regex Hostile = new("^(a+)+\\1$", RegexOptions.None, TimeSpan.FromMilliseconds(5));
    private const string Input = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!";

    [Fact]
    public void IsMatch_TimedOutWithoutSpendingCpu_IsTriedAgainAFewTimes_ThenFailsAndSpendsTheBudget()
    {
        // A CPU clock that does not move: each timeout looks like a thread that only waited for a core.
        var budget = new PatternBudget(TimeSpan.FromMilliseconds(100), new FakeTimeProvider());

        Assert.Throws<RegexMatchTimeoutException>(() => budget.IsMatch(Hostile, Input));
        Assert.True(budget.IsSpent);
        Assert.Null(budget.IsMatch(new Regex("^a$"), "a"));
    }

    [Fact]
    public void IsMatch_TimedOutHavingSpentTheCpu_FailsAtOnce()
    {
        // Every reading of the CPU clock is 60 ms later: the first timeout has already spent more than half the budget.
        var budget = new PatternBudget(TimeSpan.FromMilliseconds(100), new FakeTimeProvider { AutoAdvanceAmount = TimeSpan.FromMilliseconds(60) });

        Assert.Throws<RegexMatchTimeoutException>(() => budget.IsMatch(Hostile, Input));
        Assert.True(budget.IsSpent);
    }

    [Fact]
    public void IsMatch_Ordinary_Matches()
    {
        var budget = new PatternBudget(TimeSpan.FromMilliseconds(100), new FakeTimeProvider());

        Assert.True(budget.IsMatch(TimedPatternKeyword.Compile("^k-[0-9]+$", TimeSpan.FromMilliseconds(100)), "k-12"));
        Assert.False(budget.IsSpent);
    }
}
