using ModelContextProtocol.Server;

namespace Portcullis.Samples.Conformance;

/// <summary>The conformance server's features, the same over stdio and HTTP.</summary>
internal static class ConformanceServer
{
    public static void Configure(McpServerOptions options) => options.ServerInfo = new() { Name = "portcullis-conformance", Version = "1.0.0" };

    public static IMcpServerBuilder WithConformanceFeatures(this IMcpServerBuilder builder) => builder
        .WithTools<ConformanceTools>()
        .WithTools<ElicitationTools>()
        .WithTools([ConformanceTools.JsonSchema202012Tool()])
        .WithResources<ConformanceResources>()
        .WithPrompts<ConformancePrompts>()
        .WithCompleteHandler(Completions.CompleteAsync)
        .WithSetLoggingLevelHandler(LoggingLevels.SetAsync)
        .WithSubscribeToResourcesHandler((context, _) => context.Services!.GetRequiredService<Subscriptions>().Subscribe(context))
        .WithUnsubscribeFromResourcesHandler((context, _) => context.Services!.GetRequiredService<Subscriptions>().Unsubscribe(context));
}
