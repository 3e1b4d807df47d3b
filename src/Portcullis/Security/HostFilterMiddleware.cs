using Portcullis.Core.Errors;
using Portcullis.Core.Pipeline;
using Portcullis.Refusals;

namespace Portcullis.Security;

/// <summary>
/// Refuses with 403 (<c>host_not_allowed</c>) any request whose Host or Origin the <see cref="HostPolicy"/> does not
/// allow (DNS-rebinding protection). Health probes are exempt: orchestrators call them by IP address, and they reveal
/// only connector states.
/// </summary>
/// <remarks>
/// ASP.NET Core's HostFiltering middleware checks only Host and answers 400 with its own body; the gateway needs the
/// Origin check and an answer from the error catalog.
/// </remarks>
internal sealed class HostFilterMiddleware(RequestDelegate next, HostPolicy policy, HttpRefusals refusals)
{
    private const int Shown = 100;

    public Task InvokeAsync(HttpContext context)
    {
        var host = context.Request.Headers.Host.ToString();
        var origin = context.Request.Headers.Origin.ToString();
        if (IsProbe(context.Request.Path) || (policy.AllowsHost(host) && policy.AllowsOrigin(origin)))
        {
            return next(context);
        }

        return refusals.WriteAsync(context, new HttpRefusal(
            StatusCodes.Status403Forbidden,
            new GatewayError(ErrorCatalog.HostNotAllowed, "This Host or Origin is not allowed."),
            CallStage.HostFilter,
            policy.AllowsHost(host) ? "origin" : "host",
            $"Host '{Cut(host)}', Origin '{Cut(origin)}' not allowed (DNS-rebinding protection)"));
    }

    private static bool IsProbe(PathString path) => path == "/healthz" || path == "/readyz";

    private static string Cut(string value) => value.Length > Shown ? value[..Shown] + "…" : value;
}
