using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Portcullis.Core.Audit;
using Portcullis.Core.Configuration;
using Portcullis.Core.Tests.Diagnostics;

namespace Portcullis.Core.Tests.Audit;

/// <summary>
/// HTTP-level refusals are paced per source, connector, tool, stage, code and reason, and across all sources: a flood
/// from one source neither hides another's refusals nor grows memory without bound, a spray of addresses gets no burst
/// per address, and every refusal is recorded, one by one or in a summary whose count says how many it stands for.
/// </summary>
public sealed class RefusalPaceTests : IDisposable
{
    private const string Crm = "/mcp/crm";

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 8, 0, 0, TimeSpan.Zero));
    private readonly PendingTrail _trail = new();
    private RefusalPace _pace = null!;

    [Fact]
    public void Record_EachSourceHasItsOwnBurst_AndWhatOneHeldIsOneEventWithItsCountAndTheLatest()
    {
        Start(burst: 2);
        var flood = Enumerable.Range(0, 6).Select(i => Record(Refusal($"f{i}", "192.0.2.1"))).ToList();
        var other = Record(Refusal("o0", "192.0.2.2"));
        // The same address with a token accepted is another source: the principal.
        var signedIn = Record(Refusal("p0", "192.0.2.1") with { Principal = "alice" });
        // The same address on another connector, or refused for another reason, is paced apart; a tool name a client
        // chooses is not a new source.
        var elsewhere = Record(Refusal("c0", "192.0.2.1") with { Connector = "billing" });
        var otherTool = Record(Refusal("t0", "192.0.2.1") with { Tool = "delete_contact" });
        var otherReason = Record(Refusal("r0", "192.0.2.1") with { Detail = "expired" });
        _time.Advance(RefusalPace.Window);

        Assert.Equal([true, true, false, false, false, false], flood);
        Assert.True(other && signedIn && elsewhere && otherReason);
        Assert.False(otherTool);
        var events = _trail.Pending();
        Assert.Equal(["f0", "f1", "o0", "p0", "c0", "r0", "t0"], events.Select(e => e.CorrelationId));
        Assert.Equal(5, events[^1].Count);
        Assert.All(events.SkipLast(1), e => Assert.Null(e.Count));
        Assert.Equal(Refusal("t0", "192.0.2.1") with { Tool = "delete_contact", Count = 5 }, events[^1]);
    }

    [Theory]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:fffe", "2001:db8:1:2::/64")]
    [InlineData("::ffff:192.0.2.1", "192.0.2.1", "192.0.2.1")]
    [InlineData("fe80::1%3", "fe80::2", "fe80::/64")]
    public void SourceOf_AnIPv6ClientByItsNetwork_AndAMappedIPv4OneAsItself(string one, string another, string source)
    {
        Assert.Equal(source, RefusalPace.SourceOf(Refusal("a", one)));
        Assert.Equal(source, RefusalPace.SourceOf(Refusal("b", another)));
        Assert.NotEqual(source, RefusalPace.SourceOf(Refusal("c", "2001:db8:1:3::1")));
        Assert.Equal("principal alice", RefusalPace.SourceOf(Refusal("d", one) with { Principal = "alice" }));
    }

    [Fact]
    public void Record_AnIPv6AddressSpray_GetsOneBurst_NotOnePerAddress()
    {
        Start(burst: 2);

        var spray = Enumerable.Range(0, 100).Select(i => Record(Refusal("s" + i, $"2001:db8:7:9::{i + 1:x}"))).ToList();
        _pace.Stop();

        Assert.Equal(2, spray.Count(admitted => admitted));
        Assert.Equal(1, _pace.Sources);
        var summary = Assert.Single(_trail.Pending(), e => e.Count is not null);
        Assert.Equal(("s99", 98L), (summary.CorrelationId, summary.Count));
    }

    [Fact]
    public void Record_ASprayOfSourcesEachWithinItsBurst_IsRecordedOneByOneOnlyWithinTheBudgetOfAllSources_AndNoneIsLost()
    {
        Start(burst: 2);
        var budget = RefusalPace.BudgetFor(new AuditConfig { RefusalsPerMinute = 2, QueueCapacity = 50_000 });

        // 20,000 networks, three refusals each: within a minute, a burst each would be 40,000 events.
        var total = 0;
        var admitted = 0;
        for (var i = 0; i < 20_000; i++)
        {
            for (var j = 0; j < 3; j++)
            {
                admitted += Record(Refusal($"n{i}.{j}", $"2001:db8:{i / 256:x}:{i % 256:x}::1")) ? 1 : 0;
                total++;
            }
        }

        var sourcesWhileSpent = _pace.Sources;
        _time.Advance(RefusalPace.Window);
        var events = _trail.Pending();

        Assert.Equal(200, budget);
        Assert.Equal(budget, admitted);
        // The sources remembered are those that got in before the budget was spent; the rest made no entry.
        Assert.InRange(sourcesWhileSpent, budget / 2, budget);
        // Each one by one, plus one summary a source that held some, plus one of all sources.
        Assert.InRange(events.Count, budget + 1, 2 * budget + 1);
        Assert.Equal(total, events.Sum(e => e.Count ?? 1));
        var across = Assert.Single(events, e => e.Detail == RefusalPace.AcrossSources);
        Assert.Equal((null, null, null, null), (across.Principal, across.RemoteAddress, across.Connector, across.Tool));
    }

    [Fact]
    public void Record_ASprayKeptUpMinuteAfterMinute_StaysWithinTwiceTheBudgetAMinute_SummariesIncluded()
    {
        Start(burst: 2);
        var budget = RefusalPace.BudgetFor(new AuditConfig { RefusalsPerMinute = 2, QueueCapacity = 50_000 });

        // Each minute 1,000 new networks first (so that new ones are remembered while the budget lasts), then every
        // network seen so far again, three refusals each: every network remembered sums up its third.
        var total = 0;
        const int Minutes = 6;
        for (var minute = 0; minute < Minutes; minute++)
        {
            for (var i = (1_000 * (minute + 1)) - 1; i >= 0; i--)
            {
                for (var j = 0; j < 3; j++)
                {
                    Record(Refusal($"m{minute}.{i}.{j}", $"2001:db8:{i / 256:x}:{i % 256:x}::1"));
                    total++;
                }
            }

            _time.Advance(RefusalPace.Window);
        }

        var events = _trail.Pending();

        Assert.InRange(_pace.Sources, 0, budget);
        Assert.InRange(events.Count, Minutes * budget, Minutes * ((2 * budget) + 1));
        Assert.Equal(total, events.Sum(e => e.Count ?? 1));
    }

    [Fact]
    public void Record_PastTheSourcesItRemembers_NewOnesArePacedWithAllSources_UntilQuietOnesAreForgotten()
    {
        // A burst so large that the budget of all sources is not what stops the sources remembered.
        Start(burst: 1_000, queueCapacity: 10_000_000);
        for (var i = 0; i < RefusalPace.Remembered; i++)
        {
            Assert.True(Record(Refusal("busy" + i, Address(i))));
        }

        var beyond = new[] { 1, 2, 3 }.Select(i => Record(Refusal("new" + i, Address(RefusalPace.Remembered + i)))).ToList();
        var rememberedWhileBusy = _pace.Sources;
        _time.Advance(RefusalPace.Window);
        // A minute on, the quiet ones are forgotten at the next new source.
        var later = Record(Refusal("later", Address(RefusalPace.Remembered + 4)));

        Assert.Equal([true, true, true], beyond);
        Assert.Equal(RefusalPace.Remembered, rememberedWhileBusy);
        Assert.True(later);
        Assert.Equal(1, _pace.Sources);
    }

    [Fact]
    public async Task Record_ConcurrentlyWhileTimeRunsAndQuietSourcesAreForgotten_EveryRefusalIsRecordedOnceOneByOneOrInASummary()
    {
        // Few sources remembered, so that the sweep forgets paces while other threads are about to use them.
        const int Limit = 40;
        Start(burst: 3, queueCapacity: 10_000_000, remembered: Limit);

        const int PerThread = 20_000;
        using var done = new CancellationTokenSource();
        var clock = Task.Run(() =>
        {
            while (!done.IsCancellationRequested)
            {
                _time.Advance(TimeSpan.FromSeconds(7));
                Thread.SpinWait(2_000);
            }
        });
        var workers = Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < PerThread; i++)
            {
                Record(Refusal($"{t}.{i}", Address(((t * 7) + i) % 120)));
            }
        })).ToArray();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(60));
        await done.CancelAsync();
        await clock.WaitAsync(TimeSpan.FromSeconds(10));
        _pace.Stop();

        Assert.Equal(4 * PerThread, _trail.Pending().Sum(e => e.Count ?? 1));
        Assert.InRange(_pace.Sources, 0, Limit);
    }

    [Fact]
    public void Stop_RecordsWhatIsHeldAtOnce_AndEachRefusalAfterItOneByOne()
    {
        Start(burst: 2);
        for (var i = 0; i < 5; i++)
        {
            Record(Refusal("f" + i, "192.0.2.1"));
        }

        _pace.Stop();
        var afterStop = Enumerable.Range(0, 4).Select(i => Record(Refusal("s" + i, "192.0.2.1"))).ToList();
        _time.Advance(RefusalPace.Window * 2);

        Assert.All(afterStop, Assert.True);
        var events = _trail.Pending();
        Assert.Equal(3, Assert.Single(events, e => e.Count is not null).Count);
        Assert.Equal(["f0", "f1", "f4", "s0", "s1", "s2", "s3"], events.Select(e => e.CorrelationId));
    }

    public void Dispose() => _pace?.Dispose();

    private void Start(int burst, int queueCapacity = 50_000, int remembered = RefusalPace.Remembered)
    {
        var config = new GatewayConfig { Environment = "test", Audit = new AuditConfig { Sink = "jsonl", RefusalsPerMinute = burst, QueueCapacity = queueCapacity } };
        var trail = new AuditTrail(config, _trail, TestTelemetry.Create(), _time, NullLogger<AuditTrail>.Instance);
        _trail.Trail = trail;
        var recorder = new DecisionRecorder(trail, TestTelemetry.Create(), config, _time, NullLogger<DecisionRecorder>.Instance);
        _pace = new RefusalPace(config, recorder, _time, NullLogger<RefusalPace>.Instance, remembered);
    }

    private bool Record(AuditEvent e) => _pace.Record(e, "POST", Crm, "the token is not a JWT");

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
