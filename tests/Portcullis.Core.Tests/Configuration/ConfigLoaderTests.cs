using Portcullis.Core.Configuration;

namespace Portcullis.Core.Tests.Configuration;

public sealed class ConfigLoaderTests : IDisposable
{
    private readonly string _base = Directory.CreateTempSubdirectory("portcullis-config-").FullName;

    public ConfigLoaderTests()
    {
        File.WriteAllText(Path.Combine(_base, "crm-server"), "");
    }

    public void Dispose() => Directory.Delete(_base, recursive: true);

    private const string Valid = """
        {
          "environment": "prod",
          "listen": "http://127.0.0.1:8080",
          "identity": { "issuer": "https://login.example.com/", "jwks_uri": "https://login.example.com/keys" },
          "connectors": [
            {
              "server": "crm-mcp",
              "environment": "prod",
              "upstream": { "command": "./crm-server", "args": ["--db", "{data_dir}/crm.db"], "env": { "TOKEN": "env:CRM_TOKEN" } },
              "auth": { "scopes": ["contacts:read", "notes:write"] },
              "tools_allow": ["find_contact", "add_note"],
              "tools": {
                "find_contact": { "scopes": ["contacts:read"], "read_only": true },
                "add_note": { "scopes": ["notes:write"] }
              }
            }
          ]
        }
        """;

    [Fact]
    public void Parse_ValidConfig_ResolvesPathsAgainstTheConfigFolder()
    {
        var config = ConfigLoader.Parse(Valid, _base, "test.json");

        var connector = Assert.Single(config.Connectors);
        Assert.Equal(Path.Combine(_base, "crm-server"), connector.Upstream.Command);
        Assert.Equal(_base, connector.Upstream.WorkingDir);
        Assert.Equal(Path.Combine(_base, ".data"), config.DataDir);
        Assert.Equal(["--db", Path.Combine(_base, ".data") + "/crm.db"], connector.Upstream.Args);
        Assert.Equal(3600, connector.Auth.TokenTtlSeconds);
    }

    [Fact]
    public void Parse_Overrides_WinOverTheFile()
    {
        var config = ConfigLoader.Parse(Valid, _base, "test.json", new ConfigOverrides("http://127.0.0.1:9999", "/var/lib/p"));

        Assert.Equal("http://127.0.0.1:9999", config.Listen);
        Assert.Equal("/var/lib/p", config.DataDir);
    }

    [Fact]
    public void Parse_UnknownKeyAnywhere_IsAnErrorWithItsPath()
    {
        var json = Valid.Replace("\"read_only\": true", "\"readonly\": true", StringComparison.Ordinal);

        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(json, _base, "test.json"));

        Assert.Contains(ex.Errors, e => e.Path == "$.connectors[0].tools.find_contact.readonly");
    }

    [Fact]
    public void Parse_SeveralMistakes_ReportsEveryOne()
    {
        var json = """
            {
              "environment": "prod",
              "identity": { "jwks_uri": "not a url" },
              "state": { "store": "mongo" },
              "connectors": [ { "server": "a b", "environment": "prod", "upstream": {}, "tools_allow": [], "extra": 1 } ]
            }
            """;

        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(json, _base, "test.json"));

        var paths = ex.Errors.Select(e => e.Path).ToHashSet();
        Assert.Contains("$.identity.jwks_uri", paths);
        Assert.Contains("$.state.store", paths);
        Assert.Contains("$.connectors[0].server", paths);
        Assert.Contains("$.connectors[0].upstream", paths);
        Assert.Contains("$.connectors[0].extra", paths);
    }

    [Fact]
    public void Parse_SemanticMistakes_AreAllReported()
    {
        var json = Valid
            .Replace("\"scopes\": [\"notes:write\"]", "\"scopes\": [\"notes:delete\"]", StringComparison.Ordinal)
            .Replace("\"environment\": \"prod\",\n      \"upstream\"", "\"environment\": \"staging\",\n      \"upstream\"", StringComparison.Ordinal)
            .Replace("\"scopes\": [\"contacts:read\"], \"read_only\": true", "\"read_only\": true", StringComparison.Ordinal);

        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(json, _base, "test.json"));

        Assert.Contains(ex.Errors, e => e.Path == "$.connectors[0].tools.add_note.scopes" && e.Message.Contains("not granted", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.Path == "$.connectors[0].tools_allow[0]" && e.Message.Contains("no scopes", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.Path == "$.connectors[0].environment");
    }

    [Fact]
    public void Parse_AnonymousConnectorOffLoopback_IsRefused()
    {
        var json = Valid
            .Replace("\"auth\": { \"scopes\": [\"contacts:read\", \"notes:write\"] }", "\"auth\": { \"mode\": \"none\", \"scopes\": [\"contacts:read\", \"notes:write\"] }", StringComparison.Ordinal)
            .Replace("127.0.0.1", "0.0.0.0", StringComparison.Ordinal);

        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(json, _base, "test.json"));

        Assert.Contains(ex.Errors, e => e.Path == "$.connectors[0].auth.mode");
    }

    [Fact]
    public void Parse_AnonymousConnectorBehindAPublicUrl_IsRefused()
    {
        var json = Valid
            .Replace("\"auth\": { \"scopes\": [\"contacts:read\", \"notes:write\"] }", "\"auth\": { \"mode\": \"none\", \"scopes\": [\"contacts:read\", \"notes:write\"] }", StringComparison.Ordinal)
            .Replace("\"listen\": \"http://127.0.0.1:8080\",", "\"listen\": \"http://127.0.0.1:8080\", \"public_url\": \"https://mcp.example.com\",", StringComparison.Ordinal);

        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(json, _base, "test.json"));

        Assert.Contains(ex.Errors, e => e.Path == "$.connectors[0].auth.mode");
    }

    [Fact]
    public void Parse_WriteTimeoutNotShorterThanTheLease_IsRefused()
    {
        var json = Valid.Replace("\"add_note\": { \"scopes\": [\"notes:write\"] }", "\"add_note\": { \"scopes\": [\"notes:write\"], \"timeout_seconds\": 600 }", StringComparison.Ordinal);

        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(json, _base, "test.json"));

        var error = Assert.Single(ex.Errors);
        Assert.Equal("$.connectors[0].tools.add_note.timeout_seconds", error.Path);
    }

    [Fact]
    public void Parse_SecretLiteralInHeaders_IsRefused()
    {
        var json = Valid.Replace(
            "\"command\": \"./crm-server\", \"args\": [\"--db\", \"{data_dir}/crm.db\"], \"env\": { \"TOKEN\": \"env:CRM_TOKEN\" }",
            "\"url\": \"https://crm.internal/mcp\", \"headers\": { \"Authorization\": \"Bearer abc\" }",
            StringComparison.Ordinal);

        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(json, _base, "test.json"));

        var error = Assert.Single(ex.Errors);
        Assert.Equal("$.connectors[0].upstream.headers.Authorization", error.Path);
        Assert.DoesNotContain("abc", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_InvalidJson_SaysWhere()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("{ \"environment\": ", _base, "test.json"));

        Assert.Contains("line 1", Assert.Single(ex.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ProtocolKeys_AreReadWithTheirDefaults()
    {
        var json = Valid
            .Replace("\"tools_allow\"", "\"resources_allow\": [\"test://a\", \"test://t/{id}\"], \"prompts_allow\": [\"p\"], \"tools_allow\"", StringComparison.Ordinal)
            .Replace("\"listen\"", "\"allowed_hosts\": [\"mcp.example\"], \"allowed_origins\": [\"https://app.example\"], \"listen\"", StringComparison.Ordinal);

        var config = ConfigLoader.Parse(json, _base, "test.json");

        var connector = Assert.Single(config.Connectors);
        Assert.Equal(["test://a", "test://t/{id}"], connector.ResourcesAllow);
        Assert.Equal(["p"], connector.PromptsAllow);
        Assert.Equal(["mcp.example"], config.AllowedHosts);
        Assert.Equal(["https://app.example"], config.AllowedOrigins);
        Assert.Equal("2025-11-25", connector.Upstream.ProtocolVersion);
    }

    [Fact]
    public void Parse_UnknownUpstreamProtocolVersion_IsAnErrorWithItsPath()
    {
        var json = Valid.Replace("\"args\"", "\"protocol_version\": \"2024-01-01\", \"args\"", StringComparison.Ordinal);

        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(json, _base, "test.json"));

        var paths = ex.Errors.Select(e => e.Path).ToHashSet();
        Assert.Contains("$.connectors[0].upstream.protocol_version", paths);
    }

    [Fact]
    public void Parse_BadResourcePatterns_AreAllReportedWithTheirPaths()
    {
        var json = Valid.Replace("\"tools_allow\"", "\"resources_allow\": [\"ok://x\", \"a*b\", \"test://{id\"], \"tools_allow\"", StringComparison.Ordinal);

        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(json, _base, "test.json"));

        var paths = ex.Errors.Select(e => e.Path).ToHashSet();
        Assert.Contains("$.connectors[0].resources_allow[1]", paths);
        Assert.Contains("$.connectors[0].resources_allow[2]", paths);
        Assert.DoesNotContain("$.connectors[0].resources_allow[0]", paths);
    }
}
