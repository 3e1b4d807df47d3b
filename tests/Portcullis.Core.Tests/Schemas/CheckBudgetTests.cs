using System.Text.Json;
using System.Text.RegularExpressions;
using Json.Pointer;
using Microsoft.Extensions.Time.Testing;
using Portcullis.Core.Schemas;
using static Portcullis.Core.Tests.Schemas.SchemaTestJson;

namespace Portcullis.Core.Tests.Schemas;

/// <summary>
/// The call's budget for schema checks: pattern matching counts CPU time (the engine's own timeout is wall-clock time),
/// references are followed only while the whole check's time lasts, and a check that cut anything off never passes.
/// </summary>
public sealed class CheckBudgetTests
{
    // Catastrophic backtracking: the backtracking engine (a backreference keeps it off the linear one) runs out of time.
    private static readonly Regex Hostile = new("^(a+)+\\1$", RegexOptions.None, TimeSpan.FromMilliseconds(5));
    private const string Input = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!";

    [Fact]
    public void IsMatch_TimedOutWithoutSpendingCpu_IsTriedAgainAFewTimes_ThenFailsAndSpendsTheBudget()
    {
        // A CPU clock that does not move: each timeout looks like a thread that only waited for a core.
        var budget = new CheckBudget(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), new FakeTimeProvider());

        Assert.Throws<RegexMatchTimeoutException>(() => budget.IsMatch(Hostile, Input));
        Assert.True(budget.PatternsSpent);
        Assert.Null(budget.IsMatch(new Regex("^a$"), "a"));
    }

    [Fact]
    public void IsMatch_TimedOutHavingSpentTheCpu_FailsAtOnce()
    {
        // Every reading of the CPU clock is 60 ms later: the first timeout has already spent more than half the budget.
        var budget = new CheckBudget(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), new FakeTimeProvider { AutoAdvanceAmount = TimeSpan.FromMilliseconds(60) });

        Assert.Throws<RegexMatchTimeoutException>(() => budget.IsMatch(Hostile, Input));
        Assert.True(budget.PatternsSpent);
    }

    [Fact]
    public void IsMatch_Ordinary_Matches()
    {
        var budget = new CheckBudget(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), new FakeTimeProvider());

        Assert.True(budget.IsMatch(TimedPatternKeyword.Compile("^k-[0-9]+$", TimeSpan.FromMilliseconds(100)), "k-12"));
        Assert.False(budget.PatternsSpent);
    }

    /// <summary>Each level reaches the next along two references; the last branch takes the leaf.</summary>
    private static readonly CompiledSchema Branching = Compile(Element("""
        {"type":"object","properties":{"a":{"$ref":"#/$defs/node"}},
         "$defs":{"node":{"anyOf":[{"type":"object","required":["a"],"properties":{"a":{"$ref":"#/$defs/node"}}},
                                   {"type":"object","required":["a"],"properties":{"a":{"$ref":"#/$defs/node"}}},
                                   {"const":"leaf"}]}}}
        """));

    private static JsonElement Nested(int levels, string leaf) =>
        Element(string.Concat(Enumerable.Repeat("{\"a\":", levels)) + leaf + new string('}', levels));

    /// <summary>Before, the library followed all 2^40 references of this value: the check never ended (18 levels took 28 s).</summary>
    [Fact]
    public async Task Validate_ValueThatFollowsReferencesExponentially_EndsWithTheReferencesNotFollowed()
    {
        var budget = new CheckBudget(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(50), ThreadCpuClock.Instance);

        var details = await Task.Run(() => Branching.Validate(Nested(40, "1"), budget)).WaitAsync(TimeSpan.FromSeconds(60));

        // Not described again once its verdict spent the time: the budget's detail, then where it first cut a subschema off.
        Assert.Equal(2, details.Count);
        Assert.Equal(ViolationMessages.NotCheckedInTime, details[0]);
        Assert.Contains(details[1].Keyword, new[] { "$ref", "anyOf" });
        Assert.StartsWith("/a/a", details[1].Path, StringComparison.Ordinal);
        Assert.StartsWith("was not checked: the check spent its time", details[1].Message, StringComparison.Ordinal);
        Assert.True(budget.CutOffs > 0);
    }

    [Theory]
    [InlineData("""{"$dynamicAnchor":"node","type":"object","properties":{"a":{"anyOf":[{"$dynamicRef":"#node"},{"$dynamicRef":"#node"}]}}}""")]
    [InlineData("""{"$schema":"https://json-schema.org/draft/2019-09/schema","$recursiveAnchor":true,"type":"object","properties":{"a":{"anyOf":[{"$recursiveRef":"#"},{"$recursiveRef":"#"}]}}}""")]
    [InlineData("""{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"a":{"anyOf":[{"$ref":"#"},{"$ref":"#"}]}}}""")]
    public async Task Validate_DynamicRecursiveAndDraft07References_AreFollowedWithinTheBudgetToo(string schemaJson)
    {
        var schema = Compile(Element(schemaJson));
        var budget = new CheckBudget(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(50), ThreadCpuClock.Instance);

        var details = await Task.Run(() => schema.Validate(Nested(40, "1"), budget)).WaitAsync(TimeSpan.FromSeconds(60));

        // The verdict spent the budget; its description is cut off at the first keyword it reaches (the anyOf).
        Assert.Equal(ViolationMessages.NotCheckedInTime, details[0]);
        Assert.Contains(details, d => d.Message.StartsWith("was not checked", StringComparison.Ordinal));
        Assert.True(budget.CutOffs > 0);
        Assert.Empty(schema.Validate(Nested(5, "{}"), CheckBudget.Default()));
    }

    [Theory]
    [InlineData("""{"$dynamicAnchor":"node","type":"object","properties":{"a":{"$dynamicRef":"#node"}}}""", "$dynamicRef")]
    [InlineData("""{"$schema":"https://json-schema.org/draft/2019-09/schema","$recursiveAnchor":true,"type":"object","properties":{"a":{"$recursiveRef":"#"}}}""", "$recursiveRef")]
    [InlineData("""{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"a":{"$ref":"#"}}}""", "$ref")]
    [InlineData("""{"type":"object","properties":{"a":{"$ref":"#"}}}""", "$ref")]
    public void Validate_BudgetSpent_TheReferenceItselfIsNotFollowed(string schemaJson, string keyword)
    {
        var schema = Compile(Element(schemaJson));
        var budget = Spent();

        var details = schema.Validate(Nested(3, "{}"), budget);

        Assert.Equal(ViolationMessages.NotCheckedInTime, details[0]);
        var cut = Assert.Single(details, d => d.Keyword == keyword);
        Assert.Equal("/a", cut.Path);
        Assert.StartsWith("was not checked", cut.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DeepValueThatFollowsOneReferenceALevel_PassesWithinTheDefaultBudget()
    {
        var list = Compile(Element("""
            {"type":"object","properties":{"a":{"$ref":"#/$defs/node"}},
             "$defs":{"node":{"anyOf":[{"const":"leaf"},{"type":"object","required":["a"],"properties":{"a":{"$ref":"#/$defs/node"}}}]}}}
            """));
        var budget = CheckBudget.Default();

        Assert.Empty(list.Validate(Nested(60, "\"leaf\""), budget));
        Assert.Equal(0, budget.CutOffs);
        Assert.Empty(Branching.Validate(Nested(3, "\"leaf\""), budget));
    }

    /// <summary>
    /// Before, a value whose check was cut off could pass where the schema turns a failure into a pass: once the call's
    /// pattern budget was spent on other values, <c>not: {pattern: "^evil"}</c> let "evil" through.
    /// </summary>
    [Fact]
    public void Validate_PatternBudgetSpentUnderNot_DoesNotPass()
    {
        var schema = Compile(Element("""{"type":"object","properties":{"b":{"not":{"pattern":"^evil"}}}}"""));
        var budget = new CheckBudget(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), new FakeTimeProvider());
        Assert.Throws<RegexMatchTimeoutException>(() => budget.IsMatch(Hostile, Input));

        var detail = Assert.Single(schema.Validate(Element("""{"b":"evil"}"""), budget));

        Assert.Equal(("", "budget"), (detail.Path, detail.Keyword));
        Assert.StartsWith("could not be checked in full", detail.Message, StringComparison.Ordinal);
        Assert.Single(schema.Validate(Element("""{"b":"good"}"""), budget));
    }

    /// <summary>The same for a reference not followed: <c>not: {$ref: evil}</c> must not pass "evil" unchecked.</summary>
    [Fact]
    public void Validate_ReferenceNotFollowedUnderNot_DoesNotPass()
    {
        var schema = Compile(Element("""{"type":"object","properties":{"b":{"not":{"$ref":"#/$defs/evil"}}},"$defs":{"evil":{"const":"evil"}}}"""));

        var details = schema.Validate(Element("""{"b":"evil"}"""), Spent());

        Assert.Equal([("", "budget"), ("/b", "$ref")], details.Select(d => (d.Path, d.Keyword)));
    }

    /// <summary>
    /// A check whose verdict is known though the time is spent (a call's key, checked after its arguments spent the
    /// budget) is still described: only a verdict that was cut off is not.
    /// </summary>
    [Fact]
    public void Validate_BudgetSpentBeforeAVerdictThatNeedsNone_IsStillDescribed()
    {
        var schema = Compile(Element("""{"properties":{"idempotency_key":{"type":"string","minLength":8}}}"""));

        var detail = Assert.Single(schema.Validate(Element("""{"idempotency_key":"short"}"""), Spent()));

        Assert.Equal(("/idempotency_key", "minLength"), (detail.Path, detail.Keyword));
    }

    /// <summary>A budget whose whole time is spent: a fake clock moved past it while a check was under way.</summary>
    private static CheckBudget Spent()
    {
        var clock = new FakeTimeProvider();
        var budget = new CheckBudget(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(10), clock);
        using (budget.Enter())
        {
            clock.Advance(TimeSpan.FromMilliseconds(20));
            while (budget.TryCheckSubschemas("$ref", JsonPointer.Empty))
            {
            }
        }

        return budget;
    }

    [Fact]
    public async Task Validate_NoBudgetGiven_ChecksUnderADefaultOne()
    {
        var details = await Task.Run(() => Branching.Validate(Nested(40, "1"))).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(ViolationMessages.NotCheckedInTime, details[0]);
        Assert.Contains(details, d => d.Message.StartsWith("was not checked", StringComparison.Ordinal));
    }

    /// <summary>
    /// Work that follows no reference is bounded too: an <c>anyOf</c> of many branches under <c>items</c> checks every
    /// item against every branch (1,000 × 1,000 took 11 s and 2.3 GB before). A clock that moves 1 ms at every reading
    /// spends the 20 ms budget after a few dozen keywords, however fast the machine.
    /// </summary>
    [Fact]
    public async Task Validate_ManyBranchesForManyItems_StopsCheckingOnceTheBudgetIsSpent()
    {
        var branches = string.Join(',', Enumerable.Repeat("""{"type":"string"}""", 200));
        var schema = Compile(Element("""{"type":"object","properties":{"v":{"type":"array","items":{"anyOf":[""" + branches + "]}}}}"));
        var budget = new CheckBudget(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(20), new FakeTimeProvider { AutoAdvanceAmount = TimeSpan.FromMilliseconds(1) });

        var details = await Task.Run(() => schema.Validate(Element($$"""{"v":[{{string.Join(',', Enumerable.Range(0, 2_000))}}]}"""), budget))
            .WaitAsync(TimeSpan.FromSeconds(60));

        // The budget also ends the description of the failures it caused: the first detail says why.
        Assert.Equal(ViolationMessages.NotCheckedInTime, details[0]);
        Assert.InRange(budget.CutOffs, 1, 2_000);
    }
}
