using Portcullis.Diagnostics;

namespace Portcullis.Security;

/// <summary>
/// Refuses with 403 any request whose Host or Origin the <see cref="HostPolicy"/> does not allow
/// (DNS-rebinding protection). Health probes are exempt: orchestrators call them by IP address, and they
/// reveal only connector states.
/// </summary>
internal sealed class HostFilterMiddleware(RequestDelegate next, HostPolicy policy, ILogger<HostFilterMiddleware> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        var host = context.Request.Headers.Host.ToString();
        var origin = context.Request.Headers.Origin.ToString();
        if (IsProbe(context.Request.Path) || (policy.AllowsHost(host) && policy.AllowsOrigin(origin)))
        {
            return next(context);
        }

        GatewayLog.HostRefused(logger, context.Request.Path);
        context.Features.Set(new HttpRefusal(Core.Pipeline.CallStage.HostFilter, "forbidden_host", string.IsNullOrEmpty(origin) || policy.AllowsOrigin(origin) ? "host" : "origin"));
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync("""{"error":{"code":"forbidden_host","message":"This Host or Origin is not allowed."}}""");
    }

    private static bool IsProbe(PathString path) => path == "/healthz" || path == "/readyz";
}
