using Portcullis.Core.Diagnostics;

namespace Portcullis.Refusals;

/// <summary>
/// Reports the malformed requests a burst left unreported: a report is written when a refusal finds one due, so
/// without this the requests refused after the last report would wait for the next malformed request, and never be
/// logged if none came. Checks every <see cref="Interval"/>, and writes what is left at stop.
/// </summary>
internal sealed class JunkReportService(RefusalCounter counter, HttpRefusals refusals, TimeProvider time) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (counter.TakeDue() is { } report)
            {
                refusals.Report(report);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (counter.TakeRest() is { } report)
        {
            refusals.Report(report);
        }
    }
}
