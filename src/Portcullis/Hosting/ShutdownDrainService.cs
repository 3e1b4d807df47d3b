using System.Runtime.InteropServices;
using Portcullis.Core.Configuration;
using Portcullis.Core.Lifecycle;
using Portcullis.Diagnostics;

namespace Portcullis.Hosting;

/// <summary>
/// SIGTERM (or SIGHUP): from the moment the host starts stopping, Kestrel accepts no new connections and <c>/readyz</c> says
/// draining, while calls in flight get <c>shutdown.drain_seconds</c> to finish; then the drain cancels the rest.
/// </summary>
/// <remarks>
/// Hosted services stop in reverse order: Kestrel first (it waits for its requests), then the MCP sessions, then
/// this service, then the upstreams, so every call can still reach its upstream while it drains. SIGHUP's default
/// ended the process at once (exit code 129): no drain, callers cut off mid-answer, stdio upstreams left behind.
/// </remarks>
internal sealed class ShutdownDrainService(GatewayDrain drain, GatewayConfig config, IHostApplicationLifetime lifetime, ILogger<ShutdownDrainService> logger) : IHostedService, IDisposable
{
    /// <summary>Time beyond the drain for the cancelled calls' answers to be written and the upstreams to stop.</summary>
    public static readonly TimeSpan StopMargin = TimeSpan.FromSeconds(15);

    private CancellationTokenRegistration _stopping;
    private CancellationTokenRegistration _deadline;
    private PosixSignalRegistration? _hangup;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsWindows())
        {
            // Kept until the host is disposed: a second SIGHUP while the drain runs must not end it either.
            _hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                GatewayLog.Hangup(logger);
                lifetime.StopApplication();
            });
        }

        _stopping = lifetime.ApplicationStopping.Register(() =>
        {
            GatewayLog.Draining(logger, drain.InFlight, config.Shutdown.DrainSeconds);
            _deadline = drain.Deadline.Register(() => GatewayLog.DrainDeadline(logger, drain.InFlight));
            drain.Begin(TimeSpan.FromSeconds(config.Shutdown.DrainSeconds));
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (drain.IsDraining && drain.InFlight == 0)
        {
            GatewayLog.Drained(logger);
        }

        _stopping.Dispose();
        _deadline.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _hangup?.Dispose();
}
