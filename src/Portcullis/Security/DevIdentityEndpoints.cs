using Microsoft.IdentityModel.Tokens;
using Portcullis.Core.Configuration;

namespace Portcullis.Security;

/// <summary>
/// The embedded development issuer publishes its public key at <c>/.well-known/jwks.json</c>, and its authorization
/// server metadata (<see cref="DevAuthorizationServer"/>).
/// </summary>
internal static class DevIdentityEndpoints
{
    public const string JwksPath = "/.well-known/jwks.json";

    public static void MapDevIdentity(this WebApplication app, GatewayConfig config)
    {
        if (app.Services.GetService<DevSigningKey>() is not { } key)
        {
            return;
        }

        var jwks = new JsonWebKeySet();
        jwks.Keys.Add(key.PublicJwk);
        var body = System.Text.Json.JsonSerializer.Serialize(new
        {
            keys = jwks.Keys.Select(k => new { kty = k.Kty, use = k.Use, alg = k.Alg, kid = k.Kid, n = k.N, e = k.E }),
        });
        app.MapGet(JwksPath, () => Results.Text(body, "application/json"));
        app.MapDevAuthorizationServer(config);
    }
}
