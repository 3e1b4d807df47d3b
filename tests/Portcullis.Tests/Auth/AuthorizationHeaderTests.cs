using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Portcullis.Testing.Servers;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Auth;

/// <summary>An <c>Authorization</c> header the gateway does not take is refused for what it is, with the token refusals' 401.</summary>
public sealed class AuthorizationHeaderTests : IAsyncLifetime
{
    private AuthGateway _auth = null!;

    public async Task InitializeAsync() =>
        _auth = await AuthGateway.StartAsync(config => config["admin"] = new JsonObject { ["listen"] = "http://127.0.0.1:0" });

    public async Task DisposeAsync() => await _auth.DisposeAsync();

    /// <summary>
    /// Before, a bearer token past Kestrel's header block (32 KiB) was answered by Kestrel alone: a bare 431, no
    /// envelope, no challenge, nothing logged or audited. Now a header over 16 KiB is refused 401 invalid_token saying
    /// so, on connector endpoints and the admin plane; only a header block over 64 KiB still meets Kestrel's 431.
    /// </summary>
    [Fact]
    public async Task Initialize_AuthorizationHeaderOverTheLimit_Is401InvalidTokenSayingSoAndLogged()
    {
        var tooLong = "Bearer " + new string('a', 40 * 1024);

        using var response = await AuthGateway.PostAsync(_auth.Gateway.Endpoint("alpha"), tooLong, AuthGateway.Initialize).Within();

        const string description = "the Authorization header is longer than 16384 bytes";
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal($"Bearer error=\"invalid_token\", error_description=\"{description}\", resource_metadata=\"{_auth.MetadataUrl("alpha")}\"",
            AuthGateway.Challenge(response));
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync().Within())!["error"]!;
        Assert.Equal("unauthenticated", error["code"]!.GetValue<string>());
        Assert.Contains(description, error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        var correlationId = response.Headers.GetValues("Portcullis-Correlation-Id").Single();
        Assert.Equal(correlationId, error["correlation_id"]!.GetValue<string>());
        await _auth.Gateway.WaitForOutputAsync($"Connector alpha: token refused ({description}); answered 401 (correlation id {correlationId}", Timeouts.Exit);

        // The admin plane takes the same header no further.
        var admin = await AdminPlane.OfAsync(_auth.Gateway);
        var (status, body, adminResponse) = await admin.SendAsync(HttpMethod.Get, "/admin/api/connectors", new string('a', 40 * 1024)).Within();
        Assert.Equal(401, status);
        Assert.Equal("unauthenticated", body!["error"]!["code"]!.GetValue<string>());
        Assert.Contains(description, AuthGateway.Challenge(adminResponse), StringComparison.Ordinal);

        // A header block past 64 KiB is Kestrel's to refuse, before the gateway sees it; the gateway serves on.
        using var absurd = await AuthGateway.PostAsync(_auth.Gateway.Endpoint("alpha"), "Bearer " + new string('a', 80 * 1024), AuthGateway.Initialize).Within();
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, absurd.StatusCode);
        using var valid = await AuthGateway.PostAsync(_auth.Gateway.Endpoint("alpha"), "Bearer " + _auth.Token("alpha"), AuthGateway.Initialize).Within();
        Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
    }

    /// <summary>
    /// Behind nginx as docs/operations.md sets it up (large_client_header_buffers 4 32k), a header over nginx's default
    /// 8 KiB line reaches the gateway, which answers it: a token of 12 KiB is judged as a token, one of 20 KiB is
    /// refused for its length with the gateway's envelope, not nginx's HTML 400.
    /// </summary>
    [Fact]
    public async Task Initialize_LongAuthorizationHeaderThroughNginx_IsAnsweredByTheGateway()
    {
        var gateway = new Uri(_auth.Gateway.BaseUrl);
        await using var nginx = await NginxServer.StartAsync([gateway.Authority]).Within(Timeouts.Startup);
        var endpoint = new Uri(nginx.BaseUrl + "/mcp/alpha");

        using var twelve = await AuthGateway.PostAsync(endpoint, "Bearer " + new string('a', 12 * 1024), AuthGateway.Initialize).Within();
        using var twenty = await AuthGateway.PostAsync(endpoint, "Bearer " + new string('a', 20 * 1024), AuthGateway.Initialize).Within();

        Assert.Equal(HttpStatusCode.Unauthorized, twelve.StatusCode);
        Assert.Contains("the token is not a well-formed JWT", AuthGateway.Challenge(twelve), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, twenty.StatusCode);
        var error = JsonNode.Parse(await twenty.Content.ReadAsStringAsync().Within())!["error"]!;
        Assert.Equal("unauthenticated", error["code"]!.GetValue<string>());
        Assert.Contains("the Authorization header is longer than 16384 bytes", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Before, a request with two Authorization headers (each a valid token) was refused as "the token is not a
    /// well-formed JWT": JwtBearer read the two joined by a comma as one token. Now the refusal says what is wrong.
    /// HttpClient would join the two into one header line, so the request is written by hand.
    /// </summary>
    [Fact]
    public async Task Initialize_TwoAuthorizationHeaders_Is401SayingThereIsMoreThanOne()
    {
        var endpoint = _auth.Gateway.Endpoint("alpha");
        var token = _auth.Token("alpha");
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endpoint.Host, endpoint.Port).Within();
        var body = Encoding.UTF8.GetBytes(AuthGateway.Initialize);
        var head = $"POST {endpoint.AbsolutePath} HTTP/1.1\r\nHost: {endpoint.Authority}\r\nContent-Type: application/json\r\n" +
            $"Accept: application/json, text/event-stream\r\nAuthorization: Bearer {token}\r\nAuthorization: Bearer {token}\r\n" +
            $"Content-Length: {body.Length}\r\nConnection: close\r\n\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(head).Concat(body).ToArray()).Within();

        var answer = new StringBuilder();
        var buffer = new byte[8192];
        using var deadline = new CancellationTokenSource(Timeouts.Call);
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token)) > 0)
        {
            answer.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        const string description = "more than one Authorization header was sent";
        var text = answer.ToString();
        Assert.True(text.StartsWith("HTTP/1.1 401 ", StringComparison.Ordinal), text);
        Assert.Contains($"WWW-Authenticate: Bearer error=\"invalid_token\", error_description=\"{description}\", resource_metadata=", text, StringComparison.Ordinal);
        var error = JsonNode.Parse(text[text.IndexOf('{', StringComparison.Ordinal)..(text.LastIndexOf('}') + 1)])!["error"]!;
        Assert.Equal("unauthenticated", error["code"]!.GetValue<string>());
        Assert.Contains(description, error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        var correlationId = error["correlation_id"]!.GetValue<string>();
        await _auth.Gateway.WaitForOutputAsync($"Connector alpha: token refused ({description}); answered 401 (correlation id {correlationId}", Timeouts.Exit);
    }
}
