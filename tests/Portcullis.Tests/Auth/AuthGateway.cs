using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Auth;

/// <summary>
/// A gateway with three oauth connectors in front of the fixture (<c>alpha</c> hides tools the caller lacks scopes
/// for; <c>beta</c> has <c>step_up</c>; <c>gamma</c> accepts tokens naming other audiences too), trusting a
/// <see cref="TestIdentityProvider"/>.
/// </summary>
internal sealed class AuthGateway : IAsyncDisposable
{
    public const int TtlSeconds = 600;
    private static readonly HttpClient Http = new() { Timeout = Timeouts.Call };
    private readonly TempDir _dir;

    private AuthGateway(TempDir dir, TestIdentityProvider idp, GatewayProcess gateway)
    {
        _dir = dir;
        Idp = idp;
        Gateway = gateway;
    }

    public TestIdentityProvider Idp { get; }

    public GatewayProcess Gateway { get; }

    /// <summary>The gateway and its identity provider, the config changed first by <paramref name="configure"/> if given.</summary>
    public static async Task<AuthGateway> StartAsync(Action<JsonObject>? configure = null)
    {
        var dir = new TempDir();
        var idp = await TestIdentityProvider.StartAsync();
        var gamma = Connector("gamma", stepUp: false);
        gamma["auth"]!["allow_multiple_audiences"] = true;
        var config = TestConfig.Gateway(Connector("alpha", stepUp: false), Connector("beta", stepUp: true), gamma);
        config["identity"] = new JsonObject { ["issuer"] = idp.Issuer, ["jwks_uri"] = idp.JwksUri, ["clock_skew_seconds"] = 5 };
        configure?.Invoke(config);
        var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        return new AuthGateway(dir, idp, gateway);
    }

    private static JsonObject Connector(string server, bool stepUp) => TestConfig.Protect(
        TestConfig.FixtureConnector(server, ["echo", "typed"], tools: new JsonObject
        {
            ["echo"] = TestConfig.Tool(["fixture:read"]),
            ["typed"] = TestConfig.Tool(["fixture:typed"]),
        }),
        ["fixture:read", "fixture:typed"],
        stepUp,
        TtlSeconds);

    public string Resource(string connector) => Gateway.Endpoint(connector).ToString();

    public string MetadataUrl(string connector) => $"{Gateway.BaseUrl}/.well-known/oauth-protected-resource/mcp/{connector}";

    /// <summary>A valid token for <paramref name="connector"/> holding <paramref name="scopes"/>.</summary>
    public string Token(string connector, string scopes = "fixture:read fixture:typed") => Idp.Mint(Resource(connector), scopes);

    /// <summary>POSTs a JSON-RPC message to the connector's endpoint, as an MCP client would.</summary>
    public static async Task<HttpResponseMessage> PostAsync(Uri endpoint, string? authorization, string json, string? sessionId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        if (sessionId is not null)
        {
            request.Headers.Add("Mcp-Session-Id", sessionId);
        }

        return await Http.SendAsync(request);
    }

    public const string Initialize = """
        {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"auth-tests","version":"1"}}}
        """;

    public static string Challenge(HttpResponseMessage response) =>
        string.Join(" | ", response.Headers.WwwAuthenticate.Select(h => h.ToString()));

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Idp.DisposeAsync();
        _dir.Dispose();
    }

    public static AuthenticationHeaderValue Bearer(string token) => new("Bearer", token);
}
