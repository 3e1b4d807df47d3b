using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Portcullis.Core.Audit;
using Portcullis.Core.Configuration;
using Portcullis.Core.Tests.Diagnostics;

namespace Portcullis.Core.Tests.Audit;

/// <summary>
/// HTTP-level refusals are paced per source, connector, stage, code and reason: a flood from one source neither hides
/// another's refusals nor grows memory without bound, and what is held is recorded as one event carrying its count.
/// </summary>
public sealed class RefusalPaceTests : IDisposable
{
    private const int Burst = 2;

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 8, 0, 0, TimeSpan.Zero));
    private readonly PendingTrail _trail = new();
    private readonly RefusalPace _pace;

    public RefusalPaceTests()
    {
        var config = new GatewayConfig { Environment = "test", Audit = new AuditConfig { Sink = "jsonl", RefusalsPerMinute = Burst, QueueCapacity = 50_000 } };
        var trail = new AuditTrail(config, _trail, TestTelemetry.Create(), _time, NullLogger<AuditTrail>.Instance);
        _trail.Trail = trail;
        var recorder = new DecisionRecorder(trail, TestTelemetry.Create(), config, _time, NullLogger<DecisionRecorder>.Instance);
        _pace = new RefusalPace(config, recorder, _time, NullLogger<RefusalPace>.Instance);
    }

    [Fact]
    public void Record_EachSourceHasItsOwnBurst_AndWhatOneHeldIsOneEventWithItsCountAndTheLatest()
    {
        var flood = Enumerable.Range(0, 6).Select(i => _pace.Record(Refusal($"f{i}", "192.0.2.1"), "POST", "/mcp/crm")).ToList();
        var other = _pace.Record(Refusal("o0", "192.0.2.2"), "POST", "/mcp/crm");
        // The same address with a token accepted is another source: the principal.
        var signedIn = _pace.Record(Refusal("p0", "192.0.2.1") with { Principal = "alice" }, "POST", "/mcp/crm");
        // The same address on another connector, or refused for another reason, is paced apart.
        var elsewhere = _pace.Record(Refusal("c0", "192.0.2.1") with { Connector = "billing" }, "POST", "/mcp/billing");
        var otherReason = _pace.Record(Refusal("r0", "192.0.2.1") with { Detail = "expired" }, "POST", "/mcp/crm");
        _time.Advance(RefusalPace.Window);

        Assert.Equal([true, true, false, false, false, false], flood);
        Assert.True(other && signedIn && elsewhere && otherReason);
        var events = _trail.Pending();
        Assert.Equal(["f0", "f1", "o0", "p0", "c0", "r0", "f5"], events.Select(e => e.CorrelationId));
        Assert.Equal(4, events[^1].Count);
        Assert.All(events.SkipLast(1), e => Assert.Null(e.Count));
        Assert.Equal(Refusal("f5", "192.0.2.1") with { Count = 4 }, events[^1]);
    }

    [Fact]
    public void Record_PastTheSourcesItRemembers_NewSourcesShareOnePace_UntilQuietOnesAreForgotten()
    {
        for (var i = 0; i < RefusalPace.Remembered; i++)
        {
            Assert.True(_pace.Record(Refusal("busy" + i, Address(i)), "POST", "/mcp/crm"));
        }

        // Every source remembered is within its minute: three new ones share a pace, with one burst between them.
        var shared = new[] { 1, 2, 3 }.Select(i => _pace.Record(Refusal("new" + i, Address(RefusalPace.Remembered + i)), "POST", "/mcp/crm")).ToList();
        _time.Advance(RefusalPace.Window);
        // A minute on, the quiet ones are forgotten: new sources have a burst of their own again.
        var own = new[] { 4, 5, 6 }.Select(i => _pace.Record(Refusal("later" + i, Address(RefusalPace.Remembered + i)), "POST", "/mcp/crm")).ToList();

        Assert.Equal([true, true, false], shared);
        Assert.Equal([true, true, true], own);
        var summary = Assert.Single(_trail.Pending(), e => e.Count is not null);
        Assert.Equal(("new3", 1L), (summary.CorrelationId, summary.Count));
    }

    [Fact]
    public void Flush_RecordsWhatIsHeldAtOnce()
    {
        for (var i = 0; i < 5; i++)
        {
            _pace.Record(Refusal("f" + i, "192.0.2.1"), "POST", "/mcp/crm");
        }

        _pace.Flush();

        Assert.Equal(3, Assert.Single(_trail.Pending(), e => e.Count is not null).Count);
    }

    public void Dispose() => _pace.Dispose();

    private static string Address(int i) => $"10.{i / 65536 % 256}.{i / 256 % 256}.{i % 256}";

    private static AuditEvent Refusal(string correlationId, string address) => new()
    {
        Time = new DateTimeOffset(2026, 12, 5, 8, 0, 0, TimeSpan.Zero),
        CorrelationId = correlationId,
        Environment = "test",
        Kind = AuditKinds.HttpRefusal,
        Decision = AuditDecisions.Refused,
        Connector = "crm",
        Stage = "authenticate",
        Code = "unauthenticated",
        Detail = "malformed",
        RemoteAddress = address,
    };
}
