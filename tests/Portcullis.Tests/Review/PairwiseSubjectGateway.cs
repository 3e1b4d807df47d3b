using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Review;

/// <summary>
/// A gateway whose identity provider gives a person a different <c>sub</c> per application and the same <c>oid</c>
/// in every token (as Entra ID does), with <c>identity.subject_claim: "oid"</c>: the fixture's <c>echo</c> under
/// reviewer-mode review, a <see cref="TestIdentityProvider"/>, the admin plane on a port of its own.
/// </summary>
public sealed class PairwiseSubjectGateway : IAsyncLifetime
{
    private readonly TempDir _dir = new();

    internal TestIdentityProvider Idp { get; private set; } = null!;

    internal GatewayProcess Gateway { get; private set; } = null!;

    internal AdminPlane Admin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Idp = await TestIdentityProvider.StartAsync().Within();
        var config = ReviewedEchoGateway.Config();
        config["identity"] = new JsonObject { ["issuer"] = Idp.Issuer, ["jwks_uri"] = Idp.JwksUri, ["subject_claim"] = "oid" };
        Gateway = await ReviewedEchoGateway.StartAsync(_dir, config).Within(Timeouts.Exit);
        Admin = await AdminPlane.OfAsync(Gateway).Within();
    }

    /// <summary>The agent's token for <c>fixture</c>: <paramref name="claims"/> (such as <c>sub</c> and <c>oid</c>) set, or removed where null.</summary>
    internal string AgentToken(params (string Claim, object? Value)[] claims) =>
        Idp.Mint(Gateway.Endpoint("fixture").ToString(), ReviewedEchoGateway.Scope, change: c => Set(c, claims));

    /// <summary>A reviewer's token for the admin plane, <paramref name="claims"/> set as in <see cref="AgentToken"/>.</summary>
    internal string ReviewerToken(params (string Claim, object? Value)[] claims) =>
        Idp.Mint(Admin.BaseUrl + "/admin", "portcullis:review portcullis:admin", change: c => Set(c, claims));

    internal async Task<McpClient> AgentAsync(string token) =>
        await McpClients.ConnectAsync(Gateway.Endpoint("fixture"), token, "2025-11-25");

    private static void Set(Dictionary<string, object> token, (string Claim, object? Value)[] claims)
    {
        foreach (var (claim, value) in claims)
        {
            if (value is null)
            {
                token.Remove(claim);
            }
            else
            {
                token[claim] = value;
            }
        }
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Idp.DisposeAsync();
        _dir.Dispose();
    }
}
