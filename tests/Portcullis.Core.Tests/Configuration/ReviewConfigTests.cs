using Portcullis.Core.Configuration;

namespace Portcullis.Core.Tests.Configuration;

/// <summary>Review policies: only writes, destructive opt-ins must declare review, reviewer mode needs the admin plane, all errors at once.</summary>
public sealed class ReviewConfigTests : IDisposable
{
    private readonly string _base = Directory.CreateTempSubdirectory("portcullis-review-").FullName;

    public void Dispose() => Directory.Delete(_base, recursive: true);

    private static string Config(string tools, string top = "") => $$"""
        {
          "environment": "dev",
          {{top}}
          "connectors": [
            {
              "server": "crm",
              "environment": "dev",
              "upstream": { "url": "http://127.0.0.1:9/mcp" },
              "auth": { "mode": "none" },
              "tools_allow": ["delete_contact", "find_contact"],
              "tools": {{tools}}
            }
          ]
        }
        """;

    private IReadOnlyList<ConfigError> Errors(string json) => ParseErrors.Of(json, _base);

    [Fact]
    public void Parse_DestructiveOptInWithoutReview_IsRefused()
    {
        var errors = Errors(Config("""{ "delete_contact": { "allow_destructive": true } }"""));

        var error = Assert.Single(errors);
        Assert.Equal("$.connectors[0].tools.delete_contact.allow_destructive", error.Path);
        Assert.Contains("\"required\": false", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "required": false }""")]
    [InlineData("""{ "required": true, "mode": "caller" }""")]
    public void Parse_DestructiveOptInWithReviewDeclared_IsAccepted(string review)
    {
        Assert.Empty(Errors(Config($$"""{ "delete_contact": { "allow_destructive": true, "review": {{review}} } }""")));
    }

    [Fact]
    public void Parse_ReviewOfAReadOnlyTool_IsRefused()
    {
        var errors = Errors(Config("""{ "find_contact": { "read_only": true, "review": { "required": true, "mode": "caller" } } }"""));

        Assert.Contains(errors, e => e.Path == "$.connectors[0].tools.find_contact.review" && e.Message.Contains("only write tools", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_ReviewerModeWithoutAdminPlane_IsRefused_WithAdminPlaneAccepted()
    {
        const string tools = """{ "delete_contact": { "allow_destructive": true, "review": { "required": true } } }""";

        Assert.Contains(Errors(Config(tools)), e => e.Path == "$.connectors[0].tools.delete_contact.review.mode");
        Assert.Empty(Errors(Config(tools, """ "identity": { "dev": true }, "admin": { "listen": "http://127.0.0.1:9090" }, """)));
    }

    [Fact]
    public void Parse_CallerModeFallingBackToReviewersWithoutAdminPlane_IsRefused_WithAdminPlaneAccepted()
    {
        const string tools = """{ "delete_contact": { "allow_destructive": true, "review": { "required": true, "mode": "caller", "fallback_to_reviewer": true } } }""";

        Assert.Contains(Errors(Config(tools)), e => e.Path == "$.connectors[0].tools.delete_contact.review.fallback_to_reviewer");
        Assert.Empty(Errors(Config(tools, """ "identity": { "dev": true }, "admin": { "listen": "http://127.0.0.1:9090" }, """)));
    }

    /// <summary>
    /// Before, the webhook's console_url was the wildcard address itself (http://0.0.0.0:9090/admin/#reviews), which no
    /// reviewer can open. The start is now refused, naming admin.public_url; with it set, or on a named address, accepted.
    /// </summary>
    [Theory]
    [InlineData("http://0.0.0.0:9090")]
    [InlineData("http://[::]:9090")]
    [InlineData("http://0.0.0.0:0")]
    public void Parse_WebhookWithAdminOnEveryAddressWithoutPublicUrl_IsRefused_WithPublicUrlAccepted(string listen)
    {
        const string tools = """{ "delete_contact": { "allow_destructive": true, "review": { "required": true } } }""";
        const string identity = """ "identity": { "issuer": "https://login.example.com/", "jwks_uri": "https://login.example.com/keys" }, """;
        const string webhook = """ "review": { "notify_url": "https://hooks.example.com/review" }, """;

        var error = Assert.Single(Errors(Config(tools, identity + webhook + $$""" "admin": { "listen": "{{listen}}" }, """)));
        Assert.Equal("$.admin.public_url", error.Path);
        Assert.Contains("set admin.public_url to the URL reviewers reach the admin plane at", error.Message, StringComparison.Ordinal);

        Assert.Empty(Errors(Config(tools, identity + webhook + $$""" "admin": { "listen": "{{listen}}", "public_url": "https://admin.example.com" }, """)));
        Assert.Empty(Errors(Config(tools, identity + $$""" "admin": { "listen": "{{listen}}" }, """)));
        Assert.Empty(Errors(Config(tools, identity + webhook + """ "admin": { "listen": "http://10.0.0.5:9090" }, """)));
    }

    [Fact]
    public void Parse_ApprovalWindowOutlivingRetention_IsRefused_WithinRetentionAccepted()
    {
        const string admin = """ "identity": { "dev": true }, "admin": { "listen": "http://127.0.0.1:9090" }, "idempotency": { "retention_hours": 24, "lease_seconds": 300 }, """;

        // 12 h of waiting and 12 h more to execute the approval: the held record (24 h from the first call) would be
        // forgotten before execute_by, so a retry in time opened a new review and the executed call's replay ended early.
        var errors = Errors(Config("""{ "delete_contact": { "allow_destructive": true, "review": { "required": true, "expires_seconds": 43200 } } }""", admin));
        Assert.Contains(errors, e => e.Path == "$.connectors[0].tools.delete_contact.review.expires_seconds" && e.Message.Contains("twice expires_seconds", StringComparison.Ordinal));

        Assert.Empty(Errors(Config("""{ "delete_contact": { "allow_destructive": true, "review": { "required": true, "expires_seconds": 43000 } } }""", admin)));
    }

    [Fact]
    public void Parse_EveryReviewMistake_ReportedAtOnce()
    {
        var errors = Errors(Config(
            """{ "delete_contact": { "allow_destructive": true, "review": { "mode": "caller", "approvals": 2, "expires_seconds": 604800 } } }""",
            """ "review": { "notify_url": "http://hooks.example.com/x" }, "idempotency": { "retention_hours": 24 }, """));

        Assert.Contains(errors, e => e.Path == "$.review.notify_url");
        Assert.Contains(errors, e => e.Path == "$.connectors[0].tools.delete_contact.review.approvals");
        Assert.Contains(errors, e => e.Path == "$.connectors[0].tools.delete_contact.review.expires_seconds");
    }

    /// <summary>A webhook URL with user info: the HTTP client would not send it, and it is a password in the file.</summary>
    [Fact]
    public void Parse_NotifyUrlWithUserInfo_IsRefusedWithoutRepeatingIt()
    {
        var errors = Errors(Config("{}", """ "review": { "notify_url": "https://hook:PASSW0RD@hooks.example.com/x" }, """));

        var error = Assert.Single(errors, e => e.Path == "$.review.notify_url");
        Assert.DoesNotContain("PASSW0RD", error.Message, StringComparison.Ordinal);
    }
}
