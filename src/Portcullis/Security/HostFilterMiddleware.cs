using Portcullis.Diagnostics;

namespace Portcullis.Security;

/// <summary>Refuses with 403 any request whose Host or Origin the <see cref="HostPolicy"/> does not allow (DNS-rebinding protection).</summary>
internal sealed class HostFilterMiddleware(RequestDelegate next, HostPolicy policy, ILogger<HostFilterMiddleware> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        var host = context.Request.Headers.Host.ToString();
        var origin = context.Request.Headers.Origin.ToString();
        if (policy.AllowsHost(host) && policy.AllowsOrigin(origin))
        {
            return next(context);
        }

        GatewayLog.HostRefused(logger, context.Request.Path);
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync("""{"error":{"code":"forbidden_host","message":"This Host or Origin is not allowed."}}""");
    }
}
