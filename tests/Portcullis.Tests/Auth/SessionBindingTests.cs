using System.Net;
using System.Text.Json.Nodes;
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

        using var unknown = await AuthGateway.PostAsync(_auth.Gateway.Endpoint("beta"), "Bearer " + _auth.Token("beta"), call, Guid.NewGuid().ToString("N")).Within();

        Assert.Equal(HttpStatusCode.NotFound, crossed.StatusCode);
        Assert.Equal(await unknown.Content.ReadAsStringAsync().Within(), await crossed.Content.ReadAsStringAsync().Within());
        Assert.Equal(unknown.Content.Headers.ContentType, crossed.Content.Headers.ContentType);
        Assert.False(crossed.Headers.Contains("Portcullis-Correlation-Id"));
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
    }

    [Fact]
    public async Task Post_SessionOfAnotherPrincipal_IsAnsweredExactlyAsAnUnknownSession()
    {
        using var opened = await AuthGateway.PostAsync(_auth.Gateway.Endpoint("alpha"), "Bearer " + _auth.Token("alpha"), AuthGateway.Initialize).Within();
        var session = opened.Headers.GetValues("Mcp-Session-Id").Single();
        var other = "Bearer " + _auth.Idp.Mint(_auth.Resource("alpha"), "fixture:read fixture:typed", change: c => c["sub"] = "someone-else");
        const string call = """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":"x"}}}""";

        using var crossed = await AuthGateway.PostAsync(_auth.Gateway.Endpoint("alpha"), other, call, session).Within();
        using var unknown = await AuthGateway.PostAsync(_auth.Gateway.Endpoint("alpha"), other, call, Guid.NewGuid().ToString("N")).Within();
        using var own = await AuthGateway.PostAsync(_auth.Gateway.Endpoint("alpha"), "Bearer " + _auth.Token("alpha"), call, session).Within();

        // 403 would tell the caller that the session exists.
        Assert.Equal(HttpStatusCode.NotFound, crossed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(await unknown.Content.ReadAsStringAsync().Within(), await crossed.Content.ReadAsStringAsync().Within());
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        await _auth.Gateway.WaitForOutputAsync("the session belongs to another principal", Timeouts.Call);

        // However the request is varied, the answer is the unknown session's: the MCP layer's checks come first for
        // both. Ending it is a no-op, as ending an unknown session is, and the session lives on.
        foreach (var (method, accept, version) in new (HttpMethod, string, string)[]
        {
            (HttpMethod.Post, "application/json", "2025-11-25"),
            (HttpMethod.Post, "application/json, text/event-stream", "1999-01-01"),
            (HttpMethod.Get, "application/json", "2025-11-25"),
            (HttpMethod.Get, "text/event-stream", "2026-07-28"),
            (HttpMethod.Delete, "application/json, text/event-stream", "2025-11-25"),
        })
        {
            using var theirs = await SendAsync(method, other, session, accept, version);
            using var nobodys = await SendAsync(method, other, Guid.NewGuid().ToString("N"), accept, version);
            Assert.Equal(nobodys.StatusCode, theirs.StatusCode);

            // The gateway's own refusals (a POST's Accept) carry a fresh correlation id each: the rest must be the same.
            Assert.Equal(WithoutCorrelationId(await nobodys.Content.ReadAsStringAsync().Within()), WithoutCorrelationId(await theirs.Content.ReadAsStringAsync().Within()));
        }

        using var still = await AuthGateway.PostAsync(_auth.Gateway.Endpoint("alpha"), "Bearer " + _auth.Token("alpha"), call, session).Within();
        Assert.Equal(HttpStatusCode.OK, still.StatusCode);
    }

    private static string WithoutCorrelationId(string body)
    {
        if (body.Length == 0 || JsonNode.Parse(body) is not JsonObject answer)
        {
            return body;
        }

        // The envelope: in a JSON-RPC error's data, or the error member of problem details.
        var envelope = answer["error"]?["data"]?["error"] as JsonObject ?? answer["error"] as JsonObject;
        envelope?.Remove("correlation_id");
        return answer.ToJsonString();
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string authorization, string session, string accept, string version)
    {
        using var request = new HttpRequestMessage(method, _auth.Gateway.Endpoint("alpha"));
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        request.Headers.Add("Mcp-Session-Id", session);
        request.Headers.Add("MCP-Protocol-Version", version);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        if (method == HttpMethod.Post)
        {
            request.Content = new StringContent("""{"jsonrpc":"2.0","id":3,"method":"tools/list"}""", System.Text.Encoding.UTF8, "application/json");
        }

        using var http = new HttpClient { Timeout = Timeouts.Call };
        return await http.SendAsync(request).Within();
    }

    [Fact]
    public async Task Initialize_TokenWithoutSubject_IsRefused()
    {
        var token = _auth.Idp.Mint(_auth.Resource("alpha"), "fixture:read", change: c => c.Remove("sub"));

        using var response = await AuthGateway.PostAsync(_auth.Gateway.Endpoint("alpha"), "Bearer " + token, AuthGateway.Initialize);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
