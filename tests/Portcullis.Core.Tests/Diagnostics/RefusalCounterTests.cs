using System.Diagnostics.Metrics;
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
    public void Count_EveryRefusal_IsInTheMetricByCodeAndInTheTotal()
    {
        using var telemetry = new GatewayTelemetry(_meters);
        var counter = new RefusalCounter(telemetry);

        counter.Count("route", "not_found");
        counter.Count("host_filter", "host_not_allowed");

        Assert.Equal(["host_not_allowed", "not_found"], _measured.Select(m => m.Code).Order());
        Assert.Equal(2, counter.Total);
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
