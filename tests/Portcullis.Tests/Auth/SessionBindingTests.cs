using System.Net;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Auth;

/// <summary>A session opened on one connector cannot be driven through another connector's URL and token.</summary>
public sealed class SessionBindingTests : IAsyncLifetime
{
    private AuthGateway _auth = null!;

    public async Task InitializeAsync() => _auth = await AuthGateway.StartAsync();

    public async Task DisposeAsync() => await _auth.DisposeAsync();

    [Fact]
    public async Task Post_SessionOfAnotherConnector_IsAnsweredAsAnUnknownSession()
    {
        using var opened = await AuthGateway.PostAsync(_auth.Gateway.Endpoint("alpha"), "Bearer " + _auth.Token("alpha"), AuthGateway.Initialize);
        Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        var alphaSession = opened.Headers.GetValues("Mcp-Session-Id").Single();
        const string call = """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":"x"}}}""";

        using var crossed = await AuthGateway.PostAsync(_auth.Gateway.Endpoint("beta"), "Bearer " + _auth.Token("beta"), call, alphaSession);
        using var own = await AuthGateway.PostAsync(_auth.Gateway.Endpoint("alpha"), "Bearer " + _auth.Token("alpha"), call, alphaSession);

        Assert.Equal(HttpStatusCode.NotFound, crossed.StatusCode);
        Assert.DoesNotContain("\"result\"", await crossed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
    }

    [Fact]
    public async Task Initialize_TokenWithoutSubject_IsRefused()
    {
        var token = _auth.Idp.Mint(_auth.Resource("alpha"), "fixture:read", change: c => c.Remove("sub"));

        using var response = await AuthGateway.PostAsync(_auth.Gateway.Endpoint("alpha"), "Bearer " + token, AuthGateway.Initialize);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
