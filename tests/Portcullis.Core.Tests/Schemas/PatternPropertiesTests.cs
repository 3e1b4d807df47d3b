using Portcullis.Core.Schemas;
using static Portcullis.Core.Tests.Schemas.SchemaTestJson;

namespace Portcullis.Core.Tests.Schemas;

/// <summary><c>patternProperties</c> keys are matched as <c>pattern</c> is: without backtracking where they allow, always within time.</summary>
public sealed class PatternPropertiesTests
{
    private const string Hostile = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!";

    /// <summary>Before, the library matched the member name with backtracking and no timeout: 2^44 steps, a thread held for hours.</summary>
    [Fact]
    public async Task Validate_CatastrophicKeyAndCraftedName_AnswersAtOnce()
    {
        var schema = Compile(Element("""{"type":"object","patternProperties":{"^(a+)+$":{"type":"integer"}},"additionalProperties":false}"""));

        var details = await Task.Run(() => schema.Validate(Element($$"""{"{{Hostile}}":1,"aaa":"x"}"""))).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Contains(details, d => d is { Path: "/aaa", Keyword: "type" });
        Assert.Contains(details, d => d is { Path: "/" + Hostile, Keyword: "additionalProperties" });
    }

    [Fact]
    public async Task Validate_KeyOnlyTheBacktrackingEngineRuns_RefusesTheNameItCouldNotMatchInTime()
    {
        var schema = SchemaCompiler.TryCompile(
            Element("""{"type":"object","patternProperties":{"^(a+)+\\1$":{"type":"integer"}}}"""), TimeSpan.FromMilliseconds(50), out var failure)
            ?? throw new InvalidOperationException(failure);

        var details = await Task.Run(() => schema.Validate(Element($$"""{"{{Hostile}}":1}"""))).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(ViolationMessages.NotCheckedInTime, details[0]);
        var detail = Assert.Single(details.Skip(1));
        Assert.Equal(("", "patternProperties"), (detail.Path, detail.Keyword));
        Assert.Contains("in time", detail.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_KeysHaveEcmaMeaning_AsPatternHas()
    {
        // ECMA-262: $ is the end only, \d is ASCII only.
        var schema = Compile(Element("""{"type":"object","patternProperties":{"^k\\d$":true},"additionalProperties":false}"""));

        Assert.Empty(schema.Validate(Element("""{"k1":0}""")));
        Assert.NotEmpty(schema.Validate(Element("{\"k1\\n\":0}")));
        Assert.NotEmpty(schema.Validate(Element("{\"k\u0661\":0}")));
    }
}
