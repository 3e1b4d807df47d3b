using Portcullis.Core.Configuration;
using Portcullis.Diagnostics;

namespace Portcullis.Admin;

/// <summary>Runs the admin plane beside the gateway: started after it, stopped with it.</summary>
internal sealed class AdminPlaneService(GatewayConfig config, IServiceProvider gateway, ILogger<AdminPlaneService> logger) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _app = AdminApp.Build(config, gateway);
        await _app.StartAsync(cancellationToken);
        // Known only now: with admin.listen on port 0, the address bound is where the console is.
        gateway.GetRequiredService<Core.Review.ReviewNotifier>().AdminListening(_app.Services.GetRequiredService<AdminAudience>().Base);
        foreach (var address in AdminApp.Addresses(_app))
        {
            GatewayLog.AdminListening(logger, address);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
