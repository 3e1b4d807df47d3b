using Microsoft.AspNetCore.Authorization;
using Portcullis.Core.Connectors;

namespace Portcullis.Security;

/// <summary>
/// Lets a request into <c>/mcp/{server}</c> only with a token bound to that very connector (see
/// <see cref="ConnectorTokenChecks"/>), or into an anonymous connector without one.
/// </summary>
internal sealed class ConnectorAccessHandler(ConnectorRegistry connectors) : AuthorizationHandler<ConnectorAccessRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ConnectorAccessRequirement requirement)
    {
        if (context.Resource is HttpContext http
            && http.GetRouteValue("server") is string server
            && connectors.TryGet(server, out var connector)
            && (connector.Config.Auth.IsAnonymous || context.User.HasClaim(ConnectorTokenChecks.ConnectorClaim, connector.Name)))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
