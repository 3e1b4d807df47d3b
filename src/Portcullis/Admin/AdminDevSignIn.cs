using System.Net;
using Portcullis.Core.Audit;
using Portcullis.Core.Configuration;
using Portcullis.Core.Security;
using Portcullis.Security;

namespace Portcullis.Admin;

/// <summary>
/// The console's one-click sign-in for the development identity: an admin token for <see cref="Subject"/>, minted by
/// the gateway's own dev issuer. It exists only with <c>identity.dev</c>, answers only a request from a loopback
/// address that carries <see cref="Header"/> (a cross-site page cannot send it without a CORS preflight, which the
/// admin plane never grants), and its subject is not the dev agent's, so reviewing one's own call stays impossible.
/// </summary>
internal static class AdminDevSignIn
{
    public const string Path = "/admin/dev-sign-in";
    public const string Header = "X-Portcullis-Console";
    public const string Subject = "dev-reviewer";

    public static void Map(WebApplication app, GatewayConfig config, DevSigningKey key)
    {
        // The console asks first, to show the button only where it works.
        app.MapGet(Path, (HttpContext context) => Allowed(context) ? Results.NoContent() : NotHere());
        app.MapPost(Path, (HttpContext context, AdminAudience audience, TimeProvider time, DecisionRecorder recorder) =>
        {
            if (!Allowed(context) || !context.Request.Headers.ContainsKey(Header))
            {
                return NotHere();
            }

            var lifetime = TimeSpan.FromSeconds(config.Admin.TokenTtlSeconds);
            var token = DevTokens.Mint(key, ResourceUris.BaseUrl(config), audience.Value, Subject, config.Identity.SubjectClaim, config.Identity.EnvironmentClaim,
                config.Environment, [AdminScopes.Admin, AdminScopes.Review], lifetime, time.GetUtcNow());
            recorder.Administrative(recorder.Event(AuditKinds.DevSignIn, AuditDecisions.Recorded) with
            {
                Actor = Subject,
                Detail = $"admin token for the console, scopes {AdminScopes.Admin} {AdminScopes.Review}, valid {lifetime.TotalSeconds:0} s",
            });
            context.Response.Headers.CacheControl = "no-store";
            return Results.Json(new DevSignInToken(token, Subject, (int)lifetime.TotalSeconds));
        });
    }

    private static IResult NotHere() =>
        AdminResults.NotFound($"The dev sign-in answers only the admin console (header {Header}) on a loopback address.");

    private static bool Allowed(HttpContext context) =>
        context.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote);
}
