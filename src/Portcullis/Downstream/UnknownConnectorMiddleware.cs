using Portcullis.Core.Connectors;
using Portcullis.Core.Errors;
using Portcullis.Core.Pipeline;
using Portcullis.Refusals;

namespace Portcullis.Downstream;

/// <summary>Answers 404 (<c>not_found</c>) for <c>/mcp/{server}</c> when no connector has that name, before the MCP layer sees it.</summary>
internal sealed class UnknownConnectorMiddleware(RequestDelegate next, ConnectorRegistry connectors, HttpRefusals refusals)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.GetRouteValue("server") is string server && !connectors.TryGet(server, out _))
        {
            return refusals.WriteAsync(context, new HttpRefusal(
                StatusCodes.Status404NotFound,
                new GatewayError(ErrorCatalog.NotFound, "No connector is served at this URL."),
                CallStage.Route,
                "unknown_connector",
                "no connector has this name"));
        }

        return next(context);
    }
}
