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
    public void Count_MalformedFrames_EveryOneInTheMetricButReportedAtMostOncePerInterval()
    {
        var time = new FakeTimeProvider();
        using var telemetry = new GatewayTelemetry(_meters);
        var counter = new RefusalCounter(telemetry, time);

        var first = counter.Count("frame", "invalid_request", malformed: true);
        var within = Enumerable.Range(0, 999).Select(_ => counter.Count("frame", "invalid_request", malformed: true)).ToList();
        time.Advance(RefusalCounter.ReportInterval - TimeSpan.FromSeconds(1));
        var almost = counter.Count("frame", "invalid_request", malformed: true);
        time.Advance(TimeSpan.FromSeconds(2));
        var after = counter.Count("frame", "invalid_request", malformed: true);

        Assert.Equal(1, first);
        Assert.All(within, r => Assert.Equal(0, r));
        Assert.Equal(0, almost);
        Assert.Equal(1001, after);
        Assert.Equal(1002, counter.Total);
        Assert.Equal(1002, _measured.Sum(m => m.Value));
    }

    [Fact]
    public void Count_OtherRefusals_AreCountedAndNeverHeldBack()
    {
        using var telemetry = new GatewayTelemetry(_meters);
        var counter = new RefusalCounter(telemetry, new FakeTimeProvider());

        var reports = new[] { counter.Count("route", "not_found", malformed: false), counter.Count("host_filter", "host_not_allowed", malformed: false) };

        Assert.Equal([0, 0], reports);
        Assert.Equal(["host_not_allowed", "not_found"], _measured.Select(m => m.Code).Order());
    }

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
