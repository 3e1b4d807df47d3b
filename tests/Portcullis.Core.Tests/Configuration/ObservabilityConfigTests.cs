using Portcullis.Core.Configuration;

namespace Portcullis.Core.Tests.Configuration;

/// <summary>The audit, admin, telemetry and logging sections: defaults, and every mistake reported at its path.</summary>
public sealed class ObservabilityConfigTests : IDisposable
{
    private readonly string _base = Directory.CreateTempSubdirectory("portcullis-obs-config-").FullName;

    public void Dispose() => Directory.Delete(_base, recursive: true);

    [Fact]
    public void Parse_Defaults_StoreSinkFor90DaysWithoutArgumentsNoAdminPlaneTextLogs()
    {
        var config = ConfigLoader.Parse(Config(""), _base, "test.json");

        Assert.Equal("store", config.Audit.Sink);
        Assert.Equal(90, config.Audit.EffectiveRetentionDays);
        Assert.False(config.Audit.IncludeArguments);
        Assert.False(config.Audit.Required);
        Assert.Null(config.Admin.Listen);
        Assert.Null(config.Telemetry.OtlpEndpoint);
        Assert.Equal("text", config.Logging.Format);
        Assert.Equal(64, config.SourceSha256.Length);
    }

    [Theory]
    [InlineData("""  "audit": { "sink": "jsonl", "retention_days": 7 } """, "$.audit.retention_days")]
    [InlineData("""  "audit": { "sink": "none", "required": true } """, "$.audit.required")]
    [InlineData("""  "admin": { "listen": "http://127.0.0.1:8080" } """, "$.admin.listen")]
    [InlineData("""  "admin": { "listen": "http://10.0.0.5:9090" } """, "$.admin.listen")]
    [InlineData("""  "admin": { "public_url": "http://127.0.0.1:9090" } """, "$.admin.public_url")]
    [InlineData("""  "telemetry": { "otlp_headers": { "x-key": "env:" } } """, "$.telemetry.otlp_headers['x-key']")]
    [InlineData("""  "telemetry": { "otlp_headers": { "x-tenant": "a,b=c" } } """, "$.telemetry.otlp_headers['x-tenant']")]
    [InlineData("""  "telemetry": { "otlp_headers": { "x-tenant": "a%0D%0Ab: c" } } """, "$.telemetry.otlp_headers['x-tenant']")]
    [InlineData("""  "telemetry": { "otlp_headers": { "x-tenant": "a\r\nb: c" } } """, "$.telemetry.otlp_headers['x-tenant']")]
    [InlineData("""  "logging": { "levels": { "Portcullis": "loud" } } """, "$.logging.levels.Portcullis")]
    [InlineData("""  "logging": { "levels": { "Microsoft.AspNetCore": "loud" } } """, "$.logging.levels['Microsoft.AspNetCore']")]
    public void Parse_Mistake_IsReportedAtItsPath(string section, string path)
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(Config(section + ","), _base, "test.json"));

        Assert.Contains(ex.Errors, e => e.Path == path);
    }

    /// <summary>A header kept as a secret reference is a credential: sent only over TLS or to loopback; a literal one goes anywhere.</summary>
    [Theory]
    [InlineData("http://collector:4318", "env:OTLP_KEY", false)]
    [InlineData("http://collector:4318", "tenant-a", true)]
    [InlineData("https://collector:4318", "file:/run/secrets/otlp", true)]
    [InlineData("http://127.0.0.1:4318", "env:OTLP_KEY", true)]
    public void Parse_OtlpHeaderSecret_NeedsHttpsOrLoopback(string endpoint, string header, bool accepted)
    {
        var json = Config($$"""  "telemetry": { "otlp_endpoint": "{{endpoint}}", "otlp_headers": { "x-key": "{{header}}" } }, """);
        var meshed = Config($$"""  "telemetry": { "otlp_endpoint": "{{endpoint}}", "otlp_headers": { "x-key": "{{header}}" }, "otlp_allow_plain_http": true }, """);

        Assert.Equal(accepted, !Errors(json).Any(e => e.Path == "$.telemetry.otlp_endpoint"));
        Assert.DoesNotContain(Errors(meshed), e => e.Path == "$.telemetry.otlp_endpoint");
    }

    private IReadOnlyList<ConfigError> Errors(string json) => ParseErrors.Of(json, _base);

    [Fact]
    public void Parse_AdminPlaneWithoutAnyIdentity_IsRefused()
    {
        var json = Config("""  "admin": { "listen": "http://127.0.0.1:9090" }, """).Replace("\"identity\": { \"dev\": true },", "", StringComparison.Ordinal);

        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(json, _base, "test.json"));

        Assert.Contains(ex.Errors, e => e.Path == "$.identity" && e.Message.Contains("admin plane", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_Overrides_AdminListenAndLogFormatWinOverTheFile()
    {
        var config = ConfigLoader.Parse(Config("""  "admin": { "listen": "http://127.0.0.1:9090" }, "logging": { "format": "text" }, """), _base, "test.json",
            new ConfigOverrides(AdminListen: "http://127.0.0.1:9191", LogFormat: "json"));
        var bad = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(Config(""), _base, "test.json", new ConfigOverrides(LogFormat: "xml")));

        Assert.Equal("http://127.0.0.1:9191", config.Admin.Listen);
        Assert.Equal("json", config.Logging.Format);
        Assert.Contains(bad.Errors, e => e.Path == "$.logging.format");
    }

    [Fact]
    public void Parse_AuditPath_ResolvesAgainstTheConfigFolderWithDataDir()
    {
        var config = ConfigLoader.Parse(Config("""  "audit": { "sink": "jsonl", "path": "{data_dir}/trail/a.jsonl" }, """), _base, "test.json");

        Assert.Equal(Path.Combine(_base, ".data", "trail", "a.jsonl"), config.Audit.Path);
    }

    [Fact]
    public void Parse_AdminAudienceIsAConnectorsResourceUri_IsRefused()
    {
        // The admin audience is {admin base}/admin; a connector named admin under an admin base of {public_url}/mcp is the same URI.
        var json = Config("""  "admin": { "listen": "http://127.0.0.1:9090", "public_url": "http://127.0.0.1:8080/mcp" }, """);

        var error = Assert.Single(Errors(json.Replace("\"server\": \"crm\"", "\"server\": \"admin\"", StringComparison.Ordinal)));
        Assert.Equal("$.admin.public_url", error.Path);
        Assert.Contains("the resource URI of connector 'admin'", error.Message, StringComparison.Ordinal);
        Assert.Empty(Errors(json));
    }

    private static string Config(string sections) => $$"""
        {
          "environment": "dev",
          "listen": "http://127.0.0.1:8080",
          "identity": { "dev": true },
          {{sections}}
          "connectors": [
            { "server": "crm", "environment": "dev", "upstream": { "url": "http://127.0.0.1:9/mcp" },
              "auth": { "mode": "none" }, "tools_allow": ["add_note"] }
          ]
        }
        """;
}
