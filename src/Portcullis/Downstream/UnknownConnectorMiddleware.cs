using Portcullis.Core.Connectors;

namespace Portcullis.Downstream;

/// <summary>Answers 404 for <c>/mcp/{server}</c> when no connector has that name, before the MCP layer sees it.</summary>
internal sealed class UnknownConnectorMiddleware(RequestDelegate next, ConnectorRegistry connectors)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.GetRouteValue("server") is string server && !connectors.TryGet(server, out _))
        {
            context.Features.Set(new Security.HttpRefusal(Core.Pipeline.CallStage.Route, Core.Errors.ErrorCatalog.NotFound.Code, "unknown_connector"));
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return context.Response.WriteAsJsonAsync(new { error = new { code = "not_found", message = $"No connector is named '{server}'." } });
        }

        return next(context);
    }
}
