using Portcullis.Core.Audit;

namespace Portcullis.Core.Tests.Audit;

/// <summary>What reaches a sink is text every sink can store: PostgreSQL refuses NUL, UTF-8 encoders a lone surrogate.</summary>
public sealed class AuditTextTests
{
    /// <summary>In code, not in attributes: metadata cannot hold a lone surrogate.</summary>
    public static TheoryData<string, string> Texts => new()
    {
        { "plain", "plain" },
        { "ev\0il", "ev\uFFFDil" },
        { "cut \uD83D", "cut \uFFFD" },
        { "\uDE00 alone", "\uFFFD alone" },
        { "kept \uD83D\uDE00 whole", "kept \uD83D\uDE00 whole" },
    };

    [Theory]
    [MemberData(nameof(Texts))]
    public void Clean_ReplacesNulAndLoneSurrogates_KeepsPairs(string text, string expected) =>
        Assert.Equal(expected, AuditText.Clean(text));

    [Fact]
    public void Storable_AnEventWithNothingToClean_IsTheSameInstance_OtherwiseEveryTextFieldIsCleaned()
    {
        var clean = new AuditEvent { Time = DateTimeOffset.UnixEpoch, CorrelationId = "c", Environment = "test", Kind = AuditKinds.HttpRefusal, Decision = AuditDecisions.Refused, Resource = "/mcp/x" };
        var dirty = clean with { Resource = "/mcp/\uD83D", Detail = "a\0b", Tool = "t\0" };

        Assert.Same(clean, AuditText.Storable(clean));
        var stored = AuditText.Storable(dirty);
        Assert.Equal("/mcp/\uFFFD", stored.Resource);
        Assert.Equal("a\uFFFDb", stored.Detail);
        Assert.Equal("t\uFFFD", stored.Tool);
    }

    [Fact]
    public void Truncate_NeverCutsASurrogatePairInTwo()
    {
        var name = new string('a', 255) + "\uD83D\uDE00";

        var cut = DecisionRecorder.Truncate(name)!;

        Assert.Equal(new string('a', 255), cut);
    }
}
