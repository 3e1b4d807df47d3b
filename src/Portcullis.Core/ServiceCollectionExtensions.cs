using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portcullis.Core.Configuration;
using Portcullis.Core.Connectors;
using Portcullis.Core.Pipeline;
using Portcullis.Core.Pipeline.Stages;
using Portcullis.Core.Tools;

namespace Portcullis.Core;

/// <summary>Registers the gateway's core services for one configuration.</summary>
public static class ServiceCollectionExtensions
{
    public static IServiceCollection AddPortcullisCore(this IServiceCollection services, GatewayConfig config)
    {
        services.AddSingleton(config);
        services.AddSingleton(TimeProvider.System);
        services.AddHttpClient();
        services.AddSingleton<ToolSchemaBuilder>();
        services.AddSingleton<ToolListing>();
        services.AddSingleton(sp => new ConnectorRegistry(
            config,
            connector => sp.GetRequiredService<IHttpClientFactory>().CreateClient("upstream:" + connector.Server),
            sp.GetRequiredService<ToolSchemaBuilder>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<AuthorizeStage>();
        services.AddSingleton<ValidateStage>();
        services.AddSingleton<IdempotencyStage>();
        services.AddSingleton<ForwardStage>();
        services.AddSingleton<ToolCallPipeline>();
        services.AddSingleton<Relay.Passthrough>();
        services.AddSingleton<Relay.MrtrBridge>();
        return services;
    }
}
