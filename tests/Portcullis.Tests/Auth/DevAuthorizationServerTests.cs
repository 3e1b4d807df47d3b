using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Auth;

/// <summary>
/// An MCP client's first run against the development identity without a token: 401, protected-resource metadata naming
/// the gateway as its authorization server, that server's RFC 8414 metadata, registration. Before, the metadata was a
/// 404 and the client's registration at the fallback <c>/register</c> another, which clients showed as a discovery
/// failure; now discovery ends at an answer naming the <c>portcullis token</c> command, and real OIDC mode serves nothing.
/// </summary>
public sealed class DevAuthorizationServerTests
{
    private static readonly HttpClient Http = new() { Timeout = Timeouts.Call };

    [Fact]
    public async Task Discovery_DevIdentityWithoutToken_EndsAtHowToMintAToken()
    {
        using var dir = new TempDir();
        var path = TestConfig.Write(dir, DevIdentityTests.DevConfig());
        await using var gateway = await GatewayProcess.StartAsync(path, dir.File("data"));

        using var challenge = await AuthGateway.PostAsync(gateway.Endpoint("fixture"), null, AuthGateway.Initialize);
        var resource = JsonNode.Parse(await gateway.GetAsync("/.well-known/oauth-protected-resource/mcp/fixture"))!;
        var issuer = resource["authorization_servers"]![0]!.GetValue<string>();
        using var metadataResponse = await Http.GetAsync(issuer + "/.well-known/oauth-authorization-server");
        var metadata = JsonNode.Parse(await metadataResponse.Content.ReadAsStringAsync())!;
        using var register = await Http.PostAsync(metadata["registration_endpoint"]!.GetValue<string>(),
            new StringContent("""{"client_name":"first-run","redirect_uris":["http://127.0.0.1:1/callback"]}""", Encoding.UTF8, "application/json"));
        using var authorize = await Http.GetAsync(metadata["authorization_endpoint"]!.GetValue<string>() + "?response_type=code&client_id=x");
        using var token = await Http.PostAsync(metadata["token_endpoint"]!.GetValue<string>(),
            new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "authorization_code", ["code"] = "x" }));

        var command = $"portcullis token --config {path} --connector fixture --scopes fixture:read";
        Assert.Equal(HttpStatusCode.Unauthorized, challenge.StatusCode);
        Assert.Contains(command, await challenge.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, metadataResponse.StatusCode);
        Assert.Equal(gateway.BaseUrl, metadata["issuer"]!.GetValue<string>());
        Assert.Equal(gateway.BaseUrl + "/.well-known/jwks.json", metadata["jwks_uri"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, register.StatusCode);
        var registerError = JsonNode.Parse(await register.Content.ReadAsStringAsync())!;
        Assert.Equal("invalid_client_metadata", registerError["error"]!.GetValue<string>());
        Assert.Contains(command, registerError["error_description"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, authorize.StatusCode);
        Assert.Contains(command, await authorize.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, token.StatusCode);
        Assert.Equal("unsupported_grant_type", JsonNode.Parse(await token.Content.ReadAsStringAsync())!["error"]!.GetValue<string>());

        // Before, these refusals left nothing in the log: an operator whose client "could not register" saw no reason.
        foreach (var (refused, what) in new[] { (register, "client registration"), (authorize, "an authorization request"), (token, "a token request") })
        {
            var correlationId = refused.Headers.GetValues("Portcullis-Correlation-Id").Single();
            await gateway.WaitForOutputAsync($"the development identity issues no tokens over OAuth: refused {what}, answered with the portcullis token command (correlation id {correlationId})", Timeouts.Exit);
        }
    }

    [Fact]
    public async Task Discovery_RealIdentityProvider_ServesNoAuthorizationServerMetadata()
    {
        await using var auth = await AuthGateway.StartAsync();

        using var metadata = await Http.GetAsync(auth.Gateway.BaseUrl + "/.well-known/oauth-authorization-server");
        using var challenge = await AuthGateway.PostAsync(auth.Gateway.Endpoint("alpha"), null, AuthGateway.Initialize);

        Assert.Equal(HttpStatusCode.NotFound, metadata.StatusCode);
        Assert.DoesNotContain("portcullis token", await challenge.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var resource = JsonNode.Parse(await auth.Gateway.GetAsync("/.well-known/oauth-protected-resource/mcp/alpha"))!;
        Assert.Equal(auth.Idp.Issuer, resource["authorization_servers"]![0]!.GetValue<string>());
    }
}
