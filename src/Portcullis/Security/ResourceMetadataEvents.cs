using ModelContextProtocol.AspNetCore.Authentication;
using ModelContextProtocol.Authentication;
using Portcullis.Core.Configuration;
using Portcullis.Core.Connectors;
using Portcullis.Core.Errors;
using Portcullis.Core.Pipeline;
using Portcullis.Core.Security;
using Portcullis.Refusals;

namespace Portcullis.Security;

/// <summary>
/// Answers RFC 9728 protected-resource metadata per connector at
/// <c>/.well-known/oauth-protected-resource/mcp/{server}</c>; 404 for unknown or anonymous connectors.
/// </summary>
internal sealed class ResourceMetadataEvents(GatewayConfig config, ConnectorRegistry connectors, HttpRefusals refusals)
{
    private static readonly PathString Prefix = new("/.well-known/oauth-protected-resource/mcp");

    public async Task OnResourceMetadataRequestAsync(ResourceMetadataRequestContext context)
    {
        if (!context.Request.Path.StartsWithSegments(Prefix, out var rest)
            || !connectors.TryGet(rest.Value?.Trim('/') ?? "", out var connector)
            || connector.Config.Auth.IsAnonymous)
        {
            context.HandleResponse();
            await refusals.WriteAsync(context.HttpContext, new HttpRefusal(
                StatusCodes.Status404NotFound,
                new GatewayError(ErrorCatalog.NotFound, "No protected resource is described at this URL."),
                CallStage.Route,
                "unknown_resource",
                "no oauth connector has this name"));
            return;
        }

        context.ResourceMetadata = new ProtectedResourceMetadata
        {
            Resource = ResourceUris.For(config, connector.Name),
            AuthorizationServers = [GatewayAuthentication.AuthorizationServer(config)],
            ScopesSupported = [.. connector.Config.Auth.Scopes],
            BearerMethodsSupported = ["header"],
            ResourceName = connector.Name,
        };
    }
}
