using Portcullis.Core.Errors;
using Portcullis.Core.Pipeline;

namespace Portcullis.Refusals;

/// <summary>
/// The HTTP refusals the gateway does not write itself, completed after the pipeline and before they are sent, so
/// each reaches the client in the error catalog's terms like every other refusal:
/// <list type="bullet">
/// <item>a 401 challenge the authentication handler answers on a connector endpoint, handed to <see cref="HttpRefusals"/>,
/// which records it (unless a token check already did) and completes it with the reason and the error envelope;</item>
/// <item>routing's bare 404 for a path nothing is served at, and its bare 405 (with <c>Allow</c>) for a method an endpoint
/// does not serve: answered as junk (counted, logged at most once a minute, not audited one by one), since scanners send them by the million.</item>
/// </list>
/// </summary>
internal sealed class UnwrittenRefusalMiddleware(RequestDelegate next, HttpRefusals refusals)
{
    private static readonly PathString Mcp = new("/mcp");

    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);
        var status = context.Response.StatusCode;
        if (status == StatusCodes.Status401Unauthorized && context.Request.Path.StartsWithSegments(Mcp))
        {
            if (context.Response.HasStarted)
            {
                refusals.TokenMissing(context);
            }
            else
            {
                await refusals.ChallengedAsync(context);
            }
        }
        else if (!context.Response.HasStarted && (status == StatusCodes.Status405MethodNotAllowed || (status == StatusCodes.Status404NotFound && context.GetEndpoint() is null)))
        {
            await refusals.WriteAsync(context, status == StatusCodes.Status404NotFound
                ? new HttpRefusal(status, new GatewayError(ErrorCatalog.NotFound, "Nothing is served at this path: connector endpoints are /mcp/{server}."),
                    CallStage.Route, "no_route", "no endpoint has this path") { Junk = true }
                : new HttpRefusal(status, new GatewayError(ErrorCatalog.InvalidRequest,
                    $"{context.Request.Method} is not served at this path; the Allow header lists the methods that are."),
                    CallStage.Route, "method_not_allowed", "no endpoint at this path serves the method") { Junk = true });
        }
    }
}
