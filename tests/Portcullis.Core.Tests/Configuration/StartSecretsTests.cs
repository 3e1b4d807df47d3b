using Portcullis.Core.Configuration;

namespace Portcullis.Core.Tests.Configuration;

/// <summary>
/// What <c>serve</c> refuses to start without: a stdio upstream's <c>env</c> secret (its process gets it once, at start),
/// not the secrets an HTTP upstream reads at each request.
/// </summary>
public sealed class StartSecretsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("portcullis-start-secrets-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Check_StdioEnvSecretsThatResolveToNothing_AreEachNamedAtTheirPath()
    {
        File.WriteAllText(Path.Combine(_dir, "present"), "s3cret");
        var config = Config("""
            { "command": "crm", "env": { "GOOD": "file:present", "MISSING": "file:absent", "UNSET": "env:PORTCULLIS_TEST_NEVER_SET_7C2", "PLAIN": "" } }
            """);

        var refused = Assert.Throws<ConfigException>(() => StartSecrets.Check(config));

        Assert.Equal(["$.connectors[0].upstream.env.MISSING", "$.connectors[0].upstream.env.UNSET"], refused.Errors.Select(e => e.Path).Order(StringComparer.Ordinal));
        Assert.Contains("does not exist", refused.Errors[0].Message + refused.Errors[1].Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_OtlpHeaderSecretMissing_IsNamed_OnlyWhenTelemetryIsSent()
    {
        var header = """ "telemetry": { ENDPOINT "otlp_headers": { "api-key": "env:PORTCULLIS_TEST_NEVER_SET_7C4" } }, """;
        var sent = Config("""{ "command": "crm" }""", header.Replace("ENDPOINT", "\"otlp_endpoint\": \"https://collector:4318\",", StringComparison.Ordinal));
        var notSent = Config("""{ "command": "crm" }""", header.Replace("ENDPOINT", "", StringComparison.Ordinal));

        var refused = Assert.Throws<ConfigException>(() => StartSecrets.Check(sent));
        StartSecrets.Check(notSent);

        Assert.Equal("$.telemetry.otlp_headers['api-key']", Assert.Single(refused.Errors).Path);
    }

    [Fact]
    public void Check_OtlpHeaderSecretHoldingACommaOrALineBreak_IsRefused()
    {
        File.WriteAllText(Path.Combine(_dir, "comma"), "k1,x=y");
        File.WriteAllText(Path.Combine(_dir, "break"), "k1\r\nx: y");
        var config = Config("""{ "command": "crm" }""",
            """ "telemetry": { "otlp_endpoint": "https://collector:4318", "otlp_headers": { "a": "file:comma", "b": "file:break" } }, """);

        var refused = Assert.Throws<ConfigException>(() => StartSecrets.Check(config));

        Assert.Equal(["$.telemetry.otlp_headers.a", "$.telemetry.otlp_headers.b"], refused.Errors.Select(e => e.Path).Order(StringComparer.Ordinal));
        Assert.DoesNotContain("k1", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_StateConnectionAndAnotherSecretMissing_AreReportedTogether()
    {
        var config = Config("""{ "command": "crm", "env": { "TOKEN": "file:absent" } }""",
            """ "state": { "store": "postgres", "connection": "env:PORTCULLIS_TEST_NEVER_SET_7C6" }, "replica": { "advertise_url": "http://127.0.0.1:8080" }, """);

        var refused = Assert.Throws<ConfigException>(() => StartSecrets.Check(config));

        Assert.Equal(["$.connectors[0].upstream.env.TOKEN", "$.state.connection"], refused.Errors.Select(e => e.Path).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Check_HttpHeaderSecretMissing_IsLeftToEachRequest()
    {
        var config = Config("""{ "url": "https://crm.internal/mcp", "headers": { "Authorization": "file:absent" } }""");

        StartSecrets.Check(config);
    }

    private GatewayConfig Config(string upstream, string sections = "") => ConfigLoader.Parse($$"""
        {
          "environment": "dev",
          "listen": "http://127.0.0.1:8080",
          {{sections}}
          "connectors": [
            { "server": "crm", "environment": "dev", "upstream": {{upstream}}, "auth": { "mode": "none" }, "tools_allow": [] }
          ]
        }
        """, _dir, "test.json");
}
