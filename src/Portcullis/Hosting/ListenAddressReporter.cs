using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Portcullis.Core.Configuration;
using Portcullis.Core.Security;
using Portcullis.Core.State;
using Portcullis.Diagnostics;
using Portcullis.Security;

namespace Portcullis.Hosting;

/// <summary>
/// Once Kestrel has bound: with <c>listen</c> on port 0, adopts the address actually bound (resource URIs, audiences
/// and the development issuer derive from it) and, with <c>replica.advertise_url</c> on port 0, advertises the bound
/// port; then logs where the gateway listens and tells the data-dir lock.
/// </summary>
internal sealed class ListenAddressReporter(IServer server, GatewayConfig config, DataDirLock dataDirLock, IServiceProvider services, ILogger<ListenAddressReporter> logger)
    : IHostedLifecycleService
{
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        var bound = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (bound is not null && Uri.TryCreate(config.Listen, UriKind.Absolute, out var listen) && listen.Port == 0)
        {
            config.Listen = bound;
        }

        var url = bound ?? config.Listen;
        if (Uri.TryCreate(url, UriKind.Absolute, out var boundUrl))
        {
            services.GetRequiredService<ReplicaIdentity>().AdoptBoundPort(boundUrl.Port);
        }

        GatewayLog.Listening(logger, url.TrimEnd('/'));
        dataDirLock.Describe(url);
        if (services.GetService<DevSigningKey>() is { } key)
        {
            GatewayLog.DevIdentity(logger, ResourceUris.BaseUrl(config), key.Key.KeyId, key.Created ? "created" : "loaded", DevSigningKey.PathIn(config.DataDir!));
        }

        return Task.CompletedTask;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
