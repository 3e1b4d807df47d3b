using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portcullis.Core.Configuration;

namespace Portcullis.Core.Upstreams.Credentials;

/// <summary>Wires a connector's outbound credentials into the named HttpClient of its HTTP upstream.</summary>
internal static class UpstreamCredentials
{
    public static string ClientName(ConnectorConfig connector) => "upstream:" + connector.Server;

    /// <summary>
    /// The client's own redirect following is off: it would send the call, the connector's credentials (all but
    /// <c>Authorization</c>) or its client secret to wherever the answer points, and a write that acted before answering
    /// 3xx would look unsent when that address refused the connection. Same-origin 307/308 (a trailing slash) are
    /// followed by <see cref="Http.SameOriginRedirectHandler"/>; the token endpoint follows none.
    /// </summary>
    private static HttpMessageHandler NotFollowingRedirects() => new SocketsHttpHandler { AllowAutoRedirect = false };

    public static IHttpClientBuilder Add(IServiceCollection services, GatewayConfig gateway, ConnectorConfig connector)
    {
        if (connector.Upstream.Oauth is { } oauth)
        {
            var tokenClient = "upstream-token:" + connector.Server;
            services.AddHttpClient(tokenClient, c =>
            {
                c.Timeout = TimeSpan.FromSeconds(30);

                // A token response is a few KB; an endpoint sending more is read no further than this.
                c.MaxResponseContentBufferSize = 1024 * 1024;
            }).ConfigurePrimaryHttpMessageHandler(NotFollowingRedirects);
            services.AddKeyedSingleton(connector.Server, (sp, _) => new ClientCredentialsTokenSource(
                connector.Server,
                oauth,
                gateway.BaseDirectory,
                sp.GetRequiredService<IHttpClientFactory>().CreateClient(tokenClient),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger("Portcullis.Upstream")));
        }

        return services.AddHttpClient(ClientName(connector))
            .ConfigurePrimaryHttpMessageHandler(NotFollowingRedirects)
            .AddHttpMessageHandler(sp => new UpstreamCredentialsHandler(
                gateway, connector, sp.GetKeyedService<ClientCredentialsTokenSource>(connector.Server)));
    }
}
