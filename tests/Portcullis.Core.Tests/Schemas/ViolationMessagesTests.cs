using Microsoft.Extensions.Time.Testing;
using Portcullis.Core.Schemas;
using static Portcullis.Core.Tests.Schemas.SchemaTestJson;

namespace Portcullis.Core.Tests.Schemas;

public sealed class ViolationMessagesTests
{
    private static readonly Core.Schemas.CompiledSchema Schema = Compile(Element("""
        {"type":"object","required":["contact_id","body"],"additionalProperties":false,
         "properties":{"contact_id":{"type":"string"},"body":{"type":"string","maxLength":5},
                       "visibility":{"enum":["internal","shared"]},"when":{"type":"string","format":"date"},
                       "n":{"type":"integer","minimum":2},"tags":{"type":"array","maxItems":1,"items":{"type":"string","pattern":"^[a-z]+$"}}}}
        """));

    [Fact]
    public void NotCheckedInTimeAt_NoSubschemaCutOff_GivesTheBudgetsDetailAlone()
    {
        Assert.Equal([ViolationMessages.NotCheckedInTime], ViolationMessages.NotCheckedInTimeAt(null));

        var details = ViolationMessages.NotCheckedInTimeAt(("/a/a", "$ref"));

        Assert.Equal([("", "budget"), ("/a/a", "$ref")], details.Select(d => (d.Path, d.Keyword)));
    }

    [Fact]
    public void Validate_EveryViolation_ReportedWithPointerKeywordAndWhatIsAccepted()
    {
        var details = Schema.Validate(Element("""{"body":"toolong","visibility":"x","extra":1,"when":"nope","n":1.5,"tags":["A","b"]}"""));

        var found = details.Select(d => (d.Path, d.Keyword, d.Message)).ToList();
        Assert.Contains(("/contact_id", "required", "is required"), found);
        Assert.Contains(("/body", "maxLength", "must be at most 5 characters long (got 7)"), found);
        Assert.Contains(("/visibility", "enum", "must be one of: internal, shared"), found);
        Assert.Contains(("/extra", "additionalProperties", "'extra' is not an accepted property; accepted: contact_id, body, visibility, when, n, tags"), found);
        Assert.Contains(("/when", "format", "must be a valid date"), found);
        Assert.Contains(("/n", "type", "must be an integer (got a number)"), found);
        Assert.Contains(("/n", "minimum", "must be at least 2"), found);
        Assert.Contains(("/tags", "maxItems", "must have at most 1 items"), found);
        Assert.Contains(("/tags/0", "pattern", "must match the pattern ^[a-z]+$"), found);
        Assert.DoesNotContain(found, d => d.Keyword is "properties" or "items" or "");
    }

    /// <summary>
    /// Before, a value judged by <c>items</c> beside <c>prefixItems</c> was reported at its index among the items after
    /// the tuple (the library's location: <c>/t/1</c> for the value at <c>/t/3</c>), and the message lost what the
    /// subschema accepts.
    /// </summary>
    [Theory]
    [InlineData("""{"type":"object","properties":{"t":{"type":"array","prefixItems":[{"type":"string"},{"type":"string"}],"items":{"enum":[1,2]}}}}""",
        """{"t":["a","b",1,"x"]}""", "/t/3", "enum", "must be one of: 1, 2")]
    [InlineData("""{"type":"array","prefixItems":[{"type":"string"}],"items":{"type":"array","prefixItems":[{"type":"string"}],"items":{"type":"integer"}}}""",
        """["a",["b",1,"x"]]""", "/1/2", "type", "must be an integer (got a string)")]
    [InlineData("""{"type":"array","prefixItems":[{"type":"string"}],"items":{"$ref":"#/$defs/row"},"$defs":{"row":{"type":"object","properties":{"n":{"maximum":3}}}}}""",
        """["a",{"n":1},{"n":9}]""", "/2/n", "maximum", "must be at most 3")]
    [InlineData("""{"type":"array","prefixItems":[{"type":"string"}],"items":{"allOf":[{"maxLength":2}]}}""",
        """["a","ok","long"]""", "/2", "maxLength", "must be at most 2 characters long (got 4)")]
    [InlineData("""{"type":"array","prefixItems":[{"type":"string"}],"items":false}""",
        """["a",1]""", "/1", "false", "is not allowed here")]
    [InlineData("""{"type":"object","properties":{"d/e~f":{"type":"array","prefixItems":[true],"items":{"type":"integer"}}}}""",
        """{"d/e~f":[0,1,"x"]}""", "/d~1e~0f/2", "type", "must be an integer (got a string)")]
    [InlineData("""{"type":"array","prefixItems":[{"type":"string"}],"unevaluatedItems":{"type":"integer"}}""",
        """["a",1,"x"]""", "/2", "type", "must be an integer (got a string)")]
    [InlineData("""{"type":"object","properties":{"additionalProperties":false}}""",
        """{"additionalProperties":1}""", "/additionalProperties", "false", "is not allowed here")]
    public void Validate_ItemAfterATuple_ReportedAtItsOwnIndexWithWhatIsAccepted(string schemaJson, string value, string path, string keyword, string message)
    {
        var schema = Compile(Element(schemaJson));

        var detail = Assert.Single(schema.Validate(Element(value)));

        Assert.Equal((path, keyword, message), (detail.Path, detail.Keyword, detail.Message));
    }

    /// <summary>
    /// A reference into an embedded resource (<c>$id</c>) resolves the references under it against that resource: the
    /// walk of the evaluation path does not follow it, so the message never quotes the outer <c>$defs/m</c>.
    /// </summary>
    [Fact]
    public void Validate_ReferenceIntoAnEmbeddedResource_NeverQuotesASchemaOfTheSameNameOutside()
    {
        var schema = Compile(Element("""
            {"type":"array","prefixItems":[{"type":"string"}],"items":{"$ref":"#/$defs/r/properties/n"},
             "$defs":{"r":{"$id":"urn:r","properties":{"n":{"$ref":"#/$defs/m"}},"$defs":{"m":{"maximum":3}}},"m":{"maximum":9}}}
            """));

        var detail = Assert.Single(schema.Validate(Element("""["a",5]""")));

        Assert.Equal("maximum", detail.Keyword);
        Assert.DoesNotContain("9", detail.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_PropertyNameNeedingEscape_UsesJsonPointerEscapes()
    {
        var schema = Compile(Element("""{"type":"object","required":["a/b","c~d"]}"""));

        var details = schema.Validate(Element("{}"));

        Assert.Equal(["/a~1b", "/c~0d"], details.Select(d => d.Path));
    }

    [Fact]
    public void Validate_CatastrophicPatternTheLinearEngineRuns_IsJudgedNotTimedOut()
    {
        var schema = Compile(Element("""{"type":"object","properties":{"a":{"type":"string","pattern":"^(a+)+$"}}}"""));

        var details = schema.Validate(Element($$"""{"a":"{{new string('a', 5000)}}b"}"""));

        var detail = Assert.Single(details);
        Assert.Equal(("/a", "pattern", "must match the pattern ^(a+)+$"), (detail.Path, detail.Keyword, detail.Message));
        Assert.Empty(schema.Validate(Element("""{"a":"aaaa"}""")));
    }

    [Fact]
    public void Validate_BacktrackingPatternPastItsTime_FailsAsNotCheckedInTime()
    {
        // A backreference needs the backtracking engine, where (a+)+ is exponential.
        var schema = Compile(Element("""{"type":"object","properties":{"a":{"type":"string","pattern":"^(a+)+\\1$"}}}"""));

        var details = schema.Validate(Element($$"""{"a":"{{new string('a', 40)}}b"}"""));

        Assert.Equal(ViolationMessages.NotCheckedInTime, details[0]);
        var detail = Assert.Single(details.Skip(1));
        Assert.Equal(("/a", "pattern"), (detail.Path, detail.Keyword));
        Assert.Contains("in time", detail.Message, StringComparison.Ordinal);
        Assert.Empty(schema.Validate(Element("""{"a":"aaaa"}""")));
    }

    [Fact]
    public void Validate_ManyHostileValues_OneBudgetForTheCallTheRestAreNotMatched()
    {
        var schema = Compile(Element("""{"type":"object","properties":{"tags":{"type":"array","items":{"type":"string","pattern":"^(a+)+\\1$"}}}}"""));
        var hostile = string.Join(',', Enumerable.Repeat($"\"{new string('a', 40)}b\"", 10_000));
        var budget = new CheckBudget(TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1), ThreadCpuClock.Instance);

        var details = schema.Validate(Element($$"""{"tags":[{{hostile}}]}"""), budget);

        Assert.True(budget.PatternsSpent);
        Assert.Equal(ViolationMessages.MaxDetails + 2, details.Count);
        Assert.Equal(ViolationMessages.NotCheckedInTime, details[0]);
        Assert.Single(details, d => d.Message.Contains("in time", StringComparison.Ordinal));
        Assert.Equal(ViolationMessages.MaxDetails - 1, details.Count(d => d.Message.Contains("was not checked", StringComparison.Ordinal)));
        Assert.Equal(("", "details", $"and {10_000 - ViolationMessages.MaxDetails} more problem(s) not listed; fix the ones above first"), (details[^1].Path, details[^1].Keyword, details[^1].Message));
    }

    /// <summary>
    /// Before, each violation found its value by scanning the object from the start: 40,000 undeclared arguments (a
    /// 650 KB call) took 3.5 s of CPU to describe, 80,000 four times that, so a few calls could hold every core.
    /// </summary>
    [Fact]
    public void Validate_AnObjectOfManyOffendingMembers_IsDescribedWithTheFirstDetailsAndTheCountOfTheRest()
    {
        var schema = Compile(Element("""{"type":"object","properties":{"q":{"type":"string"}},"additionalProperties":{"type":"string"}}"""));
        var members = string.Join(',', Enumerable.Range(0, 80_000).Select(i => $"\"k{i}\":{i}"));
        var instance = Element("{" + members + "}");

        // Its cost is priced in bench/Portcullis.Benchmarks (ViolationDetailsBenchmarks), not timed here: four times the
        // values limits.max_values lets through, under a budget no run reaches.
        var details = schema.Validate(instance, new CheckBudget(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1), ThreadCpuClock.Instance));

        Assert.Equal(ViolationMessages.MaxDetails + 1, details.Count);
        Assert.Equal(("/k0", "type", "must be a string (got an integer)"), (details[0].Path, details[0].Keyword, details[0].Message));
        Assert.Equal($"and {80_000 - ViolationMessages.MaxDetails} more problem(s) not listed; fix the ones above first", details[^1].Message);
    }

    /// <summary>Once the check's time has run out, the rest of the violations are neither described nor counted.</summary>
    [Fact]
    public void Validate_BudgetRunsOutWhileDescribing_ListsTheFirstAndSaysMoreWereNotCounted()
    {
        var schema = Compile(Element("""{"type":"object","additionalProperties":{"type":"string"}}"""));
        var instance = Element("{" + string.Join(',', Enumerable.Range(0, 1_000).Select(i => $"\"k{i}\":{i}")) + "}");
        var clock = new FakeTimeProvider { AutoAdvanceAmount = TimeSpan.FromMilliseconds(1) };

        var details = schema.Validate(instance, new CheckBudget(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(5), clock));

        Assert.InRange(details.Count, 2, ViolationMessages.MaxDetails + 1);
        Assert.Equal(("/k0", "type"), (details[0].Path, details[0].Keyword));
        Assert.Equal(("", "details"), (details[^1].Path, details[^1].Keyword));
        Assert.StartsWith("and more problem(s) not listed: the check's time ran out", details[^1].Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Before, a <c>contains</c> that failed its count was described by nothing (it was taken for a keyword whose
    /// subschemas report for it), so a call whose only other problem was a missing idempotency key the gateway strips
    /// was passed on with the count unmet.
    /// </summary>
    [Theory]
    [InlineData("[]")]
    [InlineData("""["x"]""")]
    [InlineData("""["x","x","x"]""")]
    public void Validate_ContainsCountUnmet_IsDescribed(string tags)
    {
        var schema = Compile(Element("""{"type":"object","properties":{"tags":{"type":"array","contains":{"const":"x"},"minContains":2,"maxContains":2}}}"""));

        var details = schema.Validate(Element($$"""{"tags":{{tags}}}"""));

        Assert.Contains(details, d => d is { Path: "/tags", Keyword: "contains", Message: "must hold between 2 and 2 items that match the 'contains' schema" });
        Assert.Empty(schema.Validate(Element("""{"tags":["x","y","x"]}""")));
    }
}
