using System.Text.Json.Nodes;

namespace Portcullis.Tests.Infrastructure;

/// <summary>
/// A gateway that trusts a test identity provider, with its admin plane on a port of the kernel's choosing and an
/// operator's admin token for it (subject <c>operator-1</c>): what the admin-plane tests of a store start from.
/// </summary>
internal sealed class OperatedGateway(GatewayProcess gateway, AdminPlane admin, string token) : IAsyncDisposable
{
    public GatewayProcess Gateway => gateway;

    public AdminPlane Admin => admin;

    public string Token => token;

    /// <summary>Writes <paramref name="config"/> with <paramref name="identity"/> as its identity, starts it and mints the token.</summary>
    public static async Task<OperatedGateway> StartAsync(TempDir dir, JsonObject config, TestIdentityProvider identity, string scopes)
    {
        config["identity"] = new JsonObject { ["issuer"] = identity.Issuer, ["jwks_uri"] = identity.JwksUri };
        var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"), extraArgs: AdminPlane.ServeArgs);
        try
        {
            var admin = await AdminPlane.OfAsync(gateway);
            return new OperatedGateway(gateway, admin, identity.Mint(admin.BaseUrl + "/admin", scopes, change: c => c["sub"] = "operator-1"));
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
    }

    public void Deconstruct(out GatewayProcess gatewayProcess, out AdminPlane adminPlane, out string adminToken) =>
        (gatewayProcess, adminPlane, adminToken) = (gateway, admin, token);

    public ValueTask DisposeAsync() => gateway.DisposeAsync();
}
