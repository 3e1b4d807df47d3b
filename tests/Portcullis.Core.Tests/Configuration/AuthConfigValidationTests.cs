using Portcullis.Core.Configuration;
using Portcullis.Core.Security;

namespace Portcullis.Core.Tests.Configuration;

/// <summary>Config validation of identity, anonymous connectors and upstream credentials (refusals: <see cref="RefusedConfigs"/>).</summary>
public sealed class AuthConfigValidationTests : IDisposable
{
    private readonly string _base = Directory.CreateTempSubdirectory("portcullis-auth-config-").FullName;

    public void Dispose() => Directory.Delete(_base, recursive: true);

    private static string Config(string listen = "http://127.0.0.1:8080", string identity = """{ "issuer": "https://login.example.com/", "jwks_uri": "https://login.example.com/keys" }""",
        string upstream = """{ "url": "https://crm.internal/mcp" }""", string auth = """{ "scopes": ["contacts:read"] }""", string publicUrl = "") => $$"""
        {
          "environment": "prod",
          "listen": "{{listen}}",
          {{publicUrl}}
          "identity": {{identity}},
          "connectors": [
            {
              "server": "crm-mcp",
              "environment": "prod",
              "upstream": {{upstream}},
              "auth": {{auth}},
              "tools_allow": ["find_contact"],
              "tools": { "find_contact": { "scopes": ["contacts:read"], "read_only": true } }
            }
          ]
        }
        """;

    [Fact]
    public void Parse_OAuthUpstream_IsAccepted()
    {
        var config = ConfigLoader.Parse(Config(upstream: """
            { "url": "https://crm.internal/mcp", "headers": { "X-Api-Key": "file:secrets/key" },
              "oauth": { "token_url": "https://login.example.com/token", "client_id": "gw", "client_secret": "env:CRM_SECRET", "scopes": ["crm"] } }
            """), _base, "test.json");

        var oauth = config.Connectors[0].Upstream.Oauth!;
        Assert.Equal("https://login.example.com/token", oauth.TokenUrl);
        Assert.Equal("env:CRM_SECRET", oauth.ClientSecret);
        Assert.Equal(["crm"], oauth.Scopes);
    }

    [Fact]
    public void Parse_PlainHttpIdentityOnLoopback_IsAccepted()
    {
        var config = ConfigLoader.Parse(Config(identity: """{ "issuer": "http://127.0.0.1:9000/", "jwks_uri": "http://127.0.0.1:9000/keys" }"""), _base, "test.json");

        Assert.Equal("http://127.0.0.1:9000/keys", config.Identity.JwksUri);
    }

    [Fact]
    public void Parse_AnonymousConnectorOnLoopback_IsAcceptedWithoutIdentity()
    {
        var config = ConfigLoader.Parse(Config(identity: "{}", auth: """{ "mode": "none", "scopes": ["contacts:read"] }"""), _base, "test.json");

        Assert.True(config.Connectors[0].Auth.IsAnonymous);
    }

    [Fact]
    public void Parse_ModeOmitted_MeansOAuth()
    {
        var config = ConfigLoader.Parse(Config(), _base, "test.json");

        Assert.Equal("oauth", config.Connectors[0].Auth.Mode);
        Assert.False(config.Connectors[0].Auth.IsAnonymous);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080", "", "http://127.0.0.1:8080/mcp/crm-mcp")]
    [InlineData("http://127.0.0.1:8080/", "", "http://127.0.0.1:8080/mcp/crm-mcp")]
    [InlineData("http://127.0.0.1:8080", "\"public_url\": \"https://mcp.example.com/\",", "https://mcp.example.com/mcp/crm-mcp")]
    public void ResourceUri_FromListenOrPublicUrl_IsTheConnectorEndpoint(string listen, string publicUrl, string expected)
    {
        var config = ConfigLoader.Parse(Config(listen: listen, publicUrl: publicUrl), _base, "test.json");

        Assert.Equal(expected, ResourceUris.For(config, "crm-mcp"));
    }
}
