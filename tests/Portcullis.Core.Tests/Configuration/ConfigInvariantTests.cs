using Portcullis.Core.Configuration;

namespace Portcullis.Core.Tests.Configuration;

/// <summary>Rules between keys: retention against lease, every possible write's timeout against the lease, listen port 0, resource and prompt policies.</summary>
public sealed class ConfigInvariantTests : IDisposable
{
    private readonly string _base = Directory.CreateTempSubdirectory("portcullis-invariants-").FullName;

    public void Dispose() => Directory.Delete(_base, recursive: true);

    private static string Config(string idempotency = "{}", string listen = "http://127.0.0.1:8080", string connector = "") => $$"""
        {
          "environment": "dev",
          "listen": "{{listen}}",
          "idempotency": {{idempotency}},
          "connectors": [
            {
              "server": "anon",
              "environment": "dev",
              "upstream": { "url": "http://127.0.0.1:9/mcp" },
              "auth": { "mode": "none" },
              "tools_allow": ["write_it", "read_it", "slow"],
              "tools": { "read_it": { "read_only": true }, "slow": { "timeout_seconds": 20 } }
            }{{connector}}
          ]
        }
        """;

    private IReadOnlyList<ConfigError> Errors(string json) => ParseErrors.Of(json, _base);

    [Fact]
    public void Parse_RetentionNotLongerThanTheLease_IsRefused()
    {
        var errors = Errors(Config("""{ "retention_hours": 1, "lease_seconds": 3600 }"""));

        Assert.Contains(errors, e => e.Path == "$.idempotency.retention_hours" && e.Message.Contains("lease_seconds", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_LeaseNotLongerThanTheDefaultTimeout_RefusesEveryPossibleWriteOfAnAnonymousConnector()
    {
        var errors = Errors(Config("""{ "lease_seconds": 60 }"""));

        // write_it has no policy at all: the default 60 s applies; read_it is declared read-only; slow times out first.
        var error = Assert.Single(errors);
        Assert.Equal("$.connectors[0].tools_allow[0]", error.Path);
        Assert.Contains("'write_it'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ExplicitWriteTimeoutAtTheLease_IsRefusedAtItsPath()
    {
        var errors = Errors(Config("""{ "lease_seconds": 20 }"""));

        Assert.Contains(errors, e => e.Path == "$.connectors[0].tools.slow.timeout_seconds");
        Assert.Contains(errors, e => e.Path == "$.connectors[0].tools_allow[0]");
        Assert.DoesNotContain(errors, e => e.Path.Contains("read_it", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_Defaults_AreConsistent()
    {
        Assert.Empty(Errors(Config()));
    }

    [Theory]
    [InlineData("http://127.0.0.1:0", true)]
    [InlineData("http://[::1]:0", true)]
    [InlineData("http://localhost:0", false)]
    public void Parse_ListenOnPortZero_NeedsAnAddress(string listen, bool accepted)
    {
        var errors = Errors(Config(listen: listen));

        Assert.Equal(accepted, !errors.Any(e => e.Path == "$.listen"));
    }

    /// <summary>Before, a port over 65535 was answered "is not a URL", which sent people looking for a typo in the host.</summary>
    [Theory]
    [InlineData("http://127.0.0.1:99999", "has a port outside 0 to 65535")]
    [InlineData("http://[::1]:65536/", "has a port outside 0 to 65535")]
    [InlineData("http://localhost:1234567890123", "has a port outside 0 to 65535")]
    [InlineData("http://127.0.0.1:80x", "is not a URL")]
    [InlineData("http://:99999", "is not a URL")]
    [InlineData("http://[::1]", null)]
    public void Parse_ListenWithAPortOutOfRange_SaysSo(string listen, string? problem)
    {
        var error = Errors(Config(listen: listen)).FirstOrDefault(e => e.Path == "$.listen");

        if (problem is null)
        {
            Assert.Null(error);
        }
        else
        {
            Assert.StartsWith(problem, error!.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Parse_OAuthResourcesAndPromptsWithoutScopes_AreRefusedLikeTools()
    {
        var errors = Errors(Config(connector: """
            ,{
              "server": "docs",
              "environment": "dev",
              "upstream": { "url": "http://127.0.0.1:9/mcp" },
              "auth": { "scopes": ["docs:read"] },
              "tools_allow": [],
              "resources_allow": ["docs://a/*", "docs://b"],
              "resources": { "docs://a/*": { "scopes": ["docs:read"] }, "docs://b": { "scopes": ["docs:write"] }, "docs://c": { "scopes": ["docs:read"] } },
              "prompts_allow": ["summarize"]
            }
            """).Replace("\"environment\": \"dev\",\n  \"listen\"", "\"environment\": \"dev\", \"identity\": { \"dev\": true },\n  \"listen\"", StringComparison.Ordinal));

        var paths = errors.Select(e => e.Path).ToList();
        Assert.Contains("$.connectors[1].resources['docs://b'].scopes", paths);
        Assert.Contains("$.connectors[1].resources['docs://c']", paths);
        Assert.Contains("$.connectors[1].prompts_allow[0]", paths);
        Assert.DoesNotContain("$.connectors[1].resources_allow[0]", paths);
    }

    /// <summary>Credentials (a header, all of which are secret references, or an OAuth token) cross the network only over TLS.</summary>
    [Theory]
    [InlineData("https://crm.internal/mcp", true, true)]
    [InlineData("http://127.0.0.1:9/mcp", true, true)]
    [InlineData("http://[::1]:9/mcp", true, true)]
    [InlineData("http://localhost:9/mcp", true, true)]
    [InlineData("http://crm.internal/mcp", false, true)]
    [InlineData("http://crm.internal/mcp", true, false)]
    [InlineData("http://10.0.0.7:8080/mcp", true, false)]
    public void Parse_UpstreamSentCredentials_MustBeHttpsOrLoopback(string url, bool withHeaders, bool accepted)
    {
        var headers = withHeaders ? """, "headers": { "Authorization": "env:CRM_TOKEN" }""" : "";
        var meshed = Errors(Config().Replace("""{ "url": "http://127.0.0.1:9/mcp" }""", $$"""{ "url": "{{url}}"{{headers}}, "allow_plain_http": true }""", StringComparison.Ordinal));
        Assert.DoesNotContain(meshed, e => e.Path == "$.connectors[0].upstream.url");

        var errors = Errors(Config().Replace("""{ "url": "http://127.0.0.1:9/mcp" }""", $$"""{ "url": "{{url}}"{{headers}} }""", StringComparison.Ordinal));

        Assert.Equal(accepted, !errors.Any(e => e.Path == "$.connectors[0].upstream.url"));
    }
}
