using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portcullis.Core.Configuration;
using Portcullis.Core.Errors;
using Portcullis.Core.Pipeline;
using Portcullis.Core.Security;
using Portcullis.Refusals;

namespace Portcullis.Security;

/// <summary>
/// With the development identity the protected-resource metadata names the gateway itself as the authorization server,
/// so an MCP client without a token goes on to the gateway's RFC 8414 metadata, registers (RFC 7591) and sends the user
/// to authorize. The development identity issues tokens through <c>portcullis token</c> only: its metadata is served so
/// that discovery ends at an answer, and every endpoint it names refuses with that answer, in the form each client
/// shows its user (an OAuth error for registration and the token endpoint, a page for the browser), and each refusal
/// logged and audited as the gateway's other refusals are (<see cref="HttpRefusals.Recorded"/>).
/// </summary>
internal static class DevAuthorizationServer
{
    public const string MetadataPath = "/.well-known/oauth-authorization-server";
    public const string AuthorizePath = "/oauth/authorize";
    public const string TokenPath = "/oauth/token";
    public const string RegisterPath = "/oauth/register";

    // The documents are read by people too (clients print the registration error as it came): the advice's quotes and
    // angle brackets stay as written rather than \u0027 escapes. Nothing here is ever embedded in HTML.
    private static readonly JsonSerializerOptions Readable = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void MapDevAuthorizationServer(this WebApplication app, GatewayConfig config)
    {
        // Read per request, not once: with listen port 0 the base URL is known only once Kestrel has bound.
        app.MapGet(MetadataPath, (HttpContext context) => NoStore(context, Results.Text(Metadata(config).ToJsonString(Readable), "application/json")));
        app.MapPost(RegisterPath, (HttpContext context) => Refuse(context, "client registration", OAuthError("invalid_client_metadata", config)));
        app.MapPost(TokenPath, (HttpContext context) => Refuse(context, "a token request", OAuthError("unsupported_grant_type", config)));
        // RFC 6749 4.1.2.1: a request the server will not serve is shown to the person in the browser, never redirected.
        app.MapGet(AuthorizePath, (HttpContext context) => Refuse(context, "an authorization request",
            Results.Text(DevIdentityAdvice.HowToGetAToken(config, null) + "\n", "text/plain; charset=utf-8", statusCode: StatusCodes.Status400BadRequest)));
    }

    private static JsonObject Metadata(GatewayConfig config)
    {
        var issuer = ResourceUris.BaseUrl(config);
        return new JsonObject
        {
            ["issuer"] = issuer,
            ["authorization_endpoint"] = issuer + AuthorizePath,
            ["token_endpoint"] = issuer + TokenPath,
            ["registration_endpoint"] = issuer + RegisterPath,
            ["jwks_uri"] = issuer + DevIdentityEndpoints.JwksPath,
            ["response_types_supported"] = new JsonArray("code"),
            ["grant_types_supported"] = new JsonArray("authorization_code"),
            ["code_challenge_methods_supported"] = new JsonArray("S256"),
            ["token_endpoint_auth_methods_supported"] = new JsonArray("none"),
            ["portcullis_development_identity"] = DevIdentityAdvice.HowToGetAToken(config, null),
        };
    }

    private static IResult OAuthError(string error, GatewayConfig config) => Results.Text(
        new JsonObject { ["error"] = error, ["error_description"] = DevIdentityAdvice.HowToGetAToken(config, null) }.ToJsonString(Readable),
        "application/json", statusCode: StatusCodes.Status400BadRequest);

    /// <summary>Logs and audits the refusal of <paramref name="what"/> (reason class <c>dev_identity_oauth</c>), then answers <paramref name="answer"/>.</summary>
    private static IResult Refuse(HttpContext context, string what, IResult answer)
    {
        context.RequestServices.GetRequiredService<HttpRefusals>().Recorded(context, new HttpRefusal(
            StatusCodes.Status400BadRequest,
            new GatewayError(ErrorCatalog.Unauthenticated, "The development identity issues tokens through portcullis token only."),
            CallStage.Authenticate,
            "dev_identity_oauth",
            $"the development identity issues no tokens over OAuth: refused {what}, answered with the portcullis token command"));
        return NoStore(context, answer);
    }

    private static IResult NoStore(HttpContext context, IResult result)
    {
        context.Response.Headers.CacheControl = "no-store";
        return result;
    }
}
