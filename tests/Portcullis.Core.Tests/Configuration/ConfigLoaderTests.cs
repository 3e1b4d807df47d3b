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

    private const string Valid = RefusedConfigs.Valid;

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
    public void Parse_ProtocolKeys_AreReadWithTheirDefaults()
    {
        var json = Valid
            .Replace("\"tools_allow\"", "\"resources_allow\": [\"test://a\", \"test://t/{id}\"], \"prompts_allow\": [\"p\"], " +
                "\"resources\": { \"test://a\": { \"scopes\": [\"contacts:read\"] }, \"test://t/{id}\": { \"scopes\": [\"contacts:read\"], \"timeout_seconds\": 5 } }, " +
                "\"prompts\": { \"p\": { \"scopes\": [\"contacts:read\"] } }, \"tools_allow\"", StringComparison.Ordinal)
            .Replace("\"listen\"", "\"allowed_hosts\": [\"mcp.example\"], \"allowed_origins\": [\"https://app.example\"], \"listen\"", StringComparison.Ordinal);

        var config = ConfigLoader.Parse(json, _base, "test.json");

        var connector = Assert.Single(config.Connectors);
        Assert.Equal(["test://a", "test://t/{id}"], connector.ResourcesAllow);
        Assert.Equal(["p"], connector.PromptsAllow);
        Assert.Equal(["mcp.example"], config.AllowedHosts);
        Assert.Equal(["https://app.example"], config.AllowedOrigins);
        Assert.Equal("2025-11-25", connector.Upstream.ProtocolVersion);
        Assert.Equal(5, connector.Resources["test://t/{id}"].TimeoutSeconds);
        Assert.Equal(["contacts:read"], connector.Prompts["p"].Scopes);
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
        var json = Valid.Replace("\"tools_allow\"", "\"resources_allow\": [\"ok://x\", \"a*b\", \"test://{id\"], " +
            "\"resources\": { \"ok://x\": { \"scopes\": [\"contacts:read\"] }, \"a*b\": { \"scopes\": [\"contacts:read\"] }, \"test://{id\": { \"scopes\": [\"contacts:read\"] } }, \"tools_allow\"", StringComparison.Ordinal);

        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(json, _base, "test.json"));

        var paths = ex.Errors.Select(e => e.Path).ToHashSet();
        Assert.Contains("$.connectors[0].resources_allow[1]", paths);
        Assert.Contains("$.connectors[0].resources_allow[2]", paths);
        Assert.DoesNotContain("$.connectors[0].resources_allow[0]", paths);
    }
}
