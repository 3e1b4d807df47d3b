using ModelContextProtocol.AspNetCore.Authentication;
using ModelContextProtocol.Authentication;
using Portcullis.Core.Configuration;
using Portcullis.Core.Connectors;
using Portcullis.Core.Security;

namespace Portcullis.Security;

/// <summary>
/// Answers RFC 9728 protected-resource metadata per connector at
/// <c>/.well-known/oauth-protected-resource/mcp/{server}</c>; 404 for unknown or anonymous connectors.
/// </summary>
internal sealed class ResourceMetadataEvents(GatewayConfig config, ConnectorRegistry connectors)
{
    private static readonly PathString Prefix = new("/.well-known/oauth-protected-resource/mcp");

    public Task OnResourceMetadataRequestAsync(ResourceMetadataRequestContext context)
    {
        if (!context.Request.Path.StartsWithSegments(Prefix, out var rest)
            || !connectors.TryGet(rest.Value?.Trim('/') ?? "", out var connector)
            || connector.Config.Auth.IsAnonymous)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            context.HandleResponse();
            return Task.CompletedTask;
        }

        context.ResourceMetadata = new ProtectedResourceMetadata
        {
            Resource = ResourceUris.For(config, connector.Name),
            AuthorizationServers = [GatewayAuthentication.AuthorizationServer(config)],
            ScopesSupported = [.. connector.Config.Auth.Scopes],
            BearerMethodsSupported = ["header"],
            ResourceName = connector.Name,
        };
        return Task.CompletedTask;
    }
}
