using System.Diagnostics.Metrics;
using Microsoft.Extensions.Time.Testing;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Tests.Diagnostics;

public sealed class RefusalCounterTests : IDisposable
{
    private readonly TestMeters _meters = new();
    private readonly MeterListener _listener = new();
    private readonly List<(long Value, string Code)> _measured = [];

    public RefusalCounterTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (_meters.Created.Contains(instrument.Meter) && instrument.Name == "portcullis.http.refusals")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var code = "";
            foreach (var tag in tags)
            {
                if (tag.Key == "code")
                {
                    code = tag.Value as string ?? "";
                }
            }

            lock (_measured)
            {
                _measured.Add((value, code));
            }
        });
        _listener.Start();
    }

    [Fact]
    public void CountJunk_EveryOneInTheMetricButReportedAtMostOncePerInterval_NamingTheLatest()
    {
        var time = new FakeTimeProvider();
        using var telemetry = new GatewayTelemetry(_meters);
        var counter = new RefusalCounter(telemetry, time);

        var first = counter.CountJunk("frame", Junk(0));
        var within = Enumerable.Range(1, 999).Select(i => counter.CountJunk("frame", Junk(i))).ToList();
        time.Advance(RefusalCounter.ReportInterval - TimeSpan.FromSeconds(1));
        var almost = counter.CountJunk("frame", Junk(1000));
        time.Advance(TimeSpan.FromSeconds(2));
        var after = counter.CountJunk("frame", Junk(1001));

        Assert.Equal(1, first?.Count);
        Assert.Equal("c0", first?.Latest.CorrelationId);
        Assert.All(within, r => Assert.Null(r));
        Assert.Null(almost);
        Assert.Equal(1001, after?.Count);
        Assert.Equal("c1001", after?.Latest.CorrelationId);
        Assert.Equal(1002, counter.Total);
        Assert.Equal(1002, _measured.Sum(m => m.Value));
    }

    [Fact]
    public void TakeDue_TheLastOfABurst_IsReportedOnceTheIntervalPassesWithNothingMoreArriving()
    {
        var time = new FakeTimeProvider();
        using var telemetry = new GatewayTelemetry(_meters);
        var counter = new RefusalCounter(telemetry, time);
        Assert.NotNull(counter.CountJunk("frame", Junk(0)));
        Assert.Null(counter.CountJunk("route", Junk(1)));
        Assert.Null(counter.CountJunk("frame", Junk(2)));

        var early = counter.TakeDue();
        time.Advance(RefusalCounter.ReportInterval);
        var due = counter.TakeDue();
        var again = counter.TakeDue();

        Assert.Null(early);
        Assert.Equal(2, due?.Count);
        Assert.Equal("c2", due?.Latest.CorrelationId);
        Assert.Null(again);
    }

    [Fact]
    public void TakeRest_AtStop_ReportsWhatIsLeftWhetherDueOrNot()
    {
        using var telemetry = new GatewayTelemetry(_meters);
        var counter = new RefusalCounter(telemetry, new FakeTimeProvider());
        Assert.Null(counter.TakeRest());
        counter.CountJunk("frame", Junk(0));
        counter.CountJunk("frame", Junk(1));

        var rest = counter.TakeRest();

        Assert.Equal(1, rest?.Count);
        Assert.Equal("c1", rest?.Latest.CorrelationId);
        Assert.Null(counter.TakeRest());
    }

    [Fact]
    public void Count_OtherRefusals_AreCountedAndNeverHeldBack()
    {
        using var telemetry = new GatewayTelemetry(_meters);
        var counter = new RefusalCounter(telemetry, new FakeTimeProvider());

        counter.Count("route", "not_found");
        counter.Count("host_filter", "host_not_allowed");

        Assert.Equal(["host_not_allowed", "not_found"], _measured.Select(m => m.Code).Order());
        Assert.Equal(2, counter.Total);
        Assert.Null(counter.TakeRest());
    }

    private static JunkRefusal Junk(int i) => new("invalid_request", "POST", "/mcp/x", "not JSON", "c" + i);

    public void Dispose()
    {
        _listener.Dispose();
        _meters.Dispose();
    }

    private sealed class TestMeters : IMeterFactory
    {
        public List<Meter> Created { get; } = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            Created.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in Created)
            {
                meter.Dispose();
            }
        }
    }
}
