using Portcullis.Core.Configuration;
using Portcullis.Core.Connectors;
using Portcullis.Core.Errors;
using Portcullis.Core.Pipeline;
using Portcullis.Core.Security;
using Portcullis.Downstream;
using Portcullis.Refusals;

namespace Portcullis.Security;

/// <summary>
/// For connectors with <c>auth.step_up</c>: a <c>tools/call</c> whose token lacks a scope the tool needs is answered
/// at the HTTP level, before the MCP layer, with 403 and <c>WWW-Authenticate: Bearer error="insufficient_scope"</c>
/// naming every scope the tool needs, so the client can ask the person for a token with more scopes. While the
/// connector's catalog is unknown (its upstream not yet listed), an allow-listed tool is judged by the scopes its policy names.
/// </summary>
internal sealed class StepUpMiddleware(RequestDelegate next, ConnectorRegistry connectors, GatewayConfig config, HttpRefusals refusals)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (HttpMethods.IsPost(context.Request.Method)
            && context.GetRouteValue("server") is string server
            && connectors.TryGet(server, out var connector)
            && connector.Config.Auth is { StepUp: true, IsAnonymous: false }
            && context.User.HasClaim(ConnectorTokenChecks.ConnectorClaim, connector.Name)
            && context.Features.Get<JsonRpcRequestFeature>()?.ToolName is { } toolName
            && connector.Catalog.RequiredScopes(toolName) is { } required)
        {
            var caller = CallerIdentities.From(context.User);
            if (!caller.HasAll(required))
            {
                var scopes = string.Join(' ', required);
                var metadata = ResourceUris.MetadataFor(config, connector.Name);
                await refusals.WriteAsync(context, new HttpRefusal(
                    StatusCodes.Status403Forbidden,
                    new GatewayError(ErrorCatalog.InsufficientScope, $"Calling '{toolName}' needs the scopes: {scopes}."),
                    CallStage.StepUp,
                    "needs " + scopes,
                    $"{toolName} by {caller.Subject} needs scopes {scopes}; answered with a step-up challenge")
                {
                    Tool = toolName,
                    Challenge = $"Bearer error=\"insufficient_scope\", scope=\"{scopes}\", resource_metadata=\"{metadata}\", error_description=\"the token lacks a scope this tool needs\"",
                });
                return;
            }
        }

        await next(context);
    }
}
