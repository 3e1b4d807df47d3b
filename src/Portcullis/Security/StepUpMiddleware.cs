using Portcullis.Core.Connectors;
using Portcullis.Diagnostics;
using Portcullis.Downstream;

namespace Portcullis.Security;

/// <summary>
/// For connectors with <c>auth.step_up</c>: a <c>tools/call</c> whose token lacks a scope the tool needs is answered
/// at the HTTP level, before the MCP layer, with 403 and <c>WWW-Authenticate: Bearer error="insufficient_scope"</c>
/// naming every scope the tool needs, so the client can ask the person for a token with more scopes.
/// </summary>
internal sealed class StepUpMiddleware(RequestDelegate next, ConnectorRegistry connectors, ILogger<StepUpMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (HttpMethods.IsPost(context.Request.Method)
            && context.GetRouteValue("server") is string server
            && connectors.TryGet(server, out var connector)
            && connector.Config.Auth is { StepUp: true, IsAnonymous: false }
            && context.User.HasClaim(ConnectorTokenChecks.ConnectorClaim, connector.Name)
            && context.Features.Get<JsonRpcRequestFeature>()?.ToolName is { } toolName
            && connector.Catalog.Current.TryGet(toolName, out var tool))
        {
            var caller = CallerIdentities.From(context.User);
            if (!caller.HasAll(tool.RequiredScopes))
            {
                var scopes = string.Join(' ', tool.RequiredScopes);
                GatewayLog.StepUpChallenged(logger, connector.Name, toolName, caller.Subject, scopes);
                var metadata = $"{context.Request.Scheme}://{context.Request.Host.ToUriComponent()}{context.Request.PathBase}/.well-known/oauth-protected-resource{context.Request.Path}";
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                context.Response.Headers.WWWAuthenticate =
                    $"Bearer error=\"insufficient_scope\", scope=\"{scopes}\", resource_metadata=\"{metadata}\", error_description=\"the token lacks a scope this tool needs\"";
                await context.Response.WriteAsJsonAsync(new
                {
                    error = new { code = "insufficient_scope", message = $"Calling '{toolName}' needs the scopes: {scopes}.", retryable = false },
                });
                return;
            }
        }

        await next(context);
    }
}
