using ModelContextProtocol.Protocol;
using Portcullis.Core.Lint;
using Portcullis.Core.Pins;

namespace Portcullis.Core.Tests.Lint;

/// <summary>Each finding fires on the loose setting it names, at its path, and stays quiet on the hardened one.</summary>
public sealed class LintRuleTests : IDisposable
{
    private const string Oauth = """{ "scopes": ["crm:read", "crm:write"] }""";
    private const string EchoSchema = """{"type":"object","properties":{"text":{"type":"string"}},"required":["text"]}""";
    private readonly LintHarness _lint = new();

    public void Dispose() => _lint.Dispose();

    private static IReadOnlyDictionary<string, Tool[]> Upstream(params Tool[] tools) => new Dictionary<string, Tool[]> { ["crm"] = tools };

    private static LintFinding Single(LintReport report, string id) => Assert.Single(report.Findings, f => f.Id == id);

    private static void None(LintReport report, string id) => Assert.DoesNotContain(report.Findings, f => f.Id == id);

    [Fact]
    public void AuthNone_AnonymousConnector_IsAWarningAtAuthMode()
    {
        var report = _lint.Lint(LintHarness.Config("{}", "[\"find\"]"));

        var finding = Single(report, "auth-none");
        Assert.Equal("$.connectors[0].auth.mode", finding.Path);
        Assert.Equal(LintSeverity.Warning, finding.Severity);
        Assert.Equal("crm", finding.Connector);
        Assert.Equal(0, report.ExitCode(strict: false));
        Assert.Equal(1, report.ExitCode(strict: true));
    }

    [Theory]
    [InlineData(3600, false)]
    [InlineData(3601, true)]
    [InlineData(86400, true)]
    public void TokenTtlLong_OverAnHour_IsReported(int ttl, bool reported)
    {
        var report = _lint.Lint(LintHarness.Config("""{ "find": { "scopes": ["crm:read"], "read_only": true } }""", "[\"find\"]",
            auth: $$"""{ "scopes": ["crm:read"], "token_ttl_seconds": {{ttl}} }"""));

        Assert.Equal(reported, report.Findings.Any(f => f.Id == "token-ttl-long" && f.Path == "$.connectors[0].auth.token_ttl_seconds"));
    }

    [Fact]
    public void ScopeBroad_OneScopeForEveryTool_IsReportedOnceAtAuthScopes()
    {
        var report = _lint.Lint(LintHarness.Config(
            """{ "find": { "scopes": ["crm"], "read_only": true }, "add": { "scopes": ["crm"] } }""", "[\"find\", \"add\"]", auth: """{ "scopes": ["crm"] }"""));

        var finding = Single(report, "scope-broad");
        Assert.Equal("$.connectors[0].auth.scopes", finding.Path);
        Assert.Contains("'crm' grants every allowed tool (find, add)", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ScopeBroad_WriteNeedingNoMoreThanARead_IsReportedAtTheWrite()
    {
        var report = _lint.Lint(LintHarness.Config(
            """{ "find": { "scopes": ["crm:read", "crm:write"], "read_only": true }, "add": { "scopes": ["crm:write"] }, "list": { "scopes": ["crm:read"], "read_only": true } }""",
            "[\"find\", \"add\", \"list\"]", auth: Oauth));

        var finding = Single(report, "scope-broad");
        Assert.Equal("$.connectors[0].tools.add.scopes", finding.Path);
        Assert.Equal("add", finding.Tool);
        Assert.Contains("read(s) find need too", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ScopeBroad_ReadsAndWritesWithTheirOwnScopes_IsQuiet()
    {
        var report = _lint.Lint(LintHarness.Config(
            """{ "find": { "scopes": ["crm:read"], "read_only": true }, "add": { "scopes": ["crm:write"] } }""", "[\"find\", \"add\"]", auth: Oauth));

        None(report, "scope-broad");
    }

    [Fact]
    public void CredentialShared_OneReferenceAcrossConnectors_IsReportedOnce()
    {
        var json = """
            {
              "environment": "prod",
              "connectors": [
                { "server": "a", "environment": "prod", "upstream": { "url": "https://a.internal/mcp", "headers": { "Authorization": "env:SHARED" } },
                  "auth": { "mode": "none" }, "tools_allow": [] },
                { "server": "b", "environment": "prod", "upstream": { "url": "https://b.internal/mcp",
                  "oauth": { "token_url": "https://login.example.com/token", "client_id": "b", "client_secret": "env:SHARED" } },
                  "auth": { "mode": "none" }, "tools_allow": [] },
                { "server": "c", "environment": "prod", "upstream": { "command": "./crm-server", "env": { "TOKEN": "env:C_PROD_TOKEN" } },
                  "auth": { "mode": "none" }, "tools_allow": [] }
              ]
            }
            """;

        var finding = Single(_lint.Lint(json), "credential-shared");

        Assert.Equal("$.connectors[0].upstream.headers.Authorization", finding.Path);
        Assert.Contains("env:SHARED serves connectors a, b", finding.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("env:CRM_STAGING_TOKEN", true)]
    [InlineData("file:secrets/dev/crm", true)]
    [InlineData("env:CRM_PRODUCTION_TOKEN", false)]
    [InlineData("env:CRM_TOKEN", false)]
    [InlineData("env:DEVELOPER_TOKEN", false)]
    public void CredentialShared_ReferenceNamingAnotherEnvironment_IsReported(string reference, bool reported)
    {
        var report = _lint.Lint(LintHarness.Config("{}", "[]", upstream: $$"""{ "command": "./crm-server", "env": { "TOKEN": "{{reference}}" } }"""));

        Assert.Equal(reported, report.Findings.Any(f => f.Id == "credential-shared" && f.Path == "$.connectors[0].upstream.env.TOKEN"));
    }

    [Theory]
    [InlineData("API_KEY", "sk-live-1", true)]
    [InlineData("CRM_TOKEN", "abc", true)]
    [InlineData("CRM_TOKEN", "env:CRM_TOKEN", false)]
    [InlineData("LOG_LEVEL", "debug", false)]
    [InlineData("MONKEY", "banana", false)]
    public void CredentialInline_SecretLookingEnvValueWrittenInTheFile_IsReportedWithoutRepeatingIt(string name, string value, bool reported)
    {
        var report = _lint.Lint(LintHarness.Config("{}", "[]", upstream: $$"""{ "command": "./crm-server", "env": { "{{name}}": "{{value}}" } }"""));

        Assert.Equal(reported, report.Findings.Any(f => f.Id == "credential-inline"));
        if (reported)
        {
            Assert.DoesNotContain(report.Findings, f => f.Message.Contains(value, StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("https://crm.example.com/mcp?api_key=sk-live-1", true)]
    [InlineData("https://crm.example.com/mcp?tenant=a&access-token=sk-live-1", true)]
    [InlineData("https://crm.example.com/mcp?clientSecret=sk-live-1", true)]
    [InlineData("https://crm.example.com/mcp?token%3Dsk-live-1_key=x", true)]
    [InlineData("https://crm.example.com/mcp?tenant=a&format=json", false)]
    [InlineData("https://crm.example.com/mcp", false)]
    public void CredentialInline_SecretLookingQueryParameterInTheUrl_IsReportedWithoutItsValue(string url, bool reported)
    {
        var report = _lint.Lint(LintHarness.Config("{}", "[]", upstream: $$"""{ "url": "{{url}}" }"""));

        Assert.Equal(reported, report.Findings.Any(f => f.Id == "credential-inline" && f.Path == "$.connectors[0].upstream.url"));
        Assert.DoesNotContain(report.Findings, f => f.Message.Contains("sk-live-1", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public void CredentialPlainHttp_CollectorSentSecretHeadersOverPlainHttpOnTheConfigsWord_IsReported(bool allowed, bool reported)
    {
        var telemetry = $$""" "telemetry": { "otlp_endpoint": "http://collector.mesh:4318", "otlp_headers": { "api-key": "env:OTLP_KEY" }, "otlp_allow_plain_http": {{(allowed ? "true" : "false")}} }, """;

        var report = _lint.Lint(LintHarness.Config("{}", "[]").Replace("\"connectors\"", telemetry + "\"connectors\"", StringComparison.Ordinal));

        Assert.Equal(reported, report.Findings.Any(f => f.Id == "credential-plain-http" && f.Path == "$.telemetry.otlp_allow_plain_http"));
        Assert.Equal(!allowed, report.Findings.Any(f => f.Id == "config-invalid" && f.Path == "$.telemetry.otlp_endpoint"));
    }

    [Theory]
    [InlineData("http://crm.mesh:8080/mcp", true, true)]
    [InlineData("http://crm.mesh:8080/mcp", false, false)]
    [InlineData("https://crm.internal/mcp", true, false)]
    [InlineData("http://127.0.0.1:9/mcp", true, false)]
    public void CredentialPlainHttp_CredentialsSentOverPlainHttpOnTheConfigsWord_IsReported(string url, bool allowed, bool reported)
    {
        var upstream = $$"""{ "url": "{{url}}", "headers": { "Authorization": "env:CRM_TOKEN" }, "allow_plain_http": {{(allowed ? "true" : "false")}} }""";

        var report = _lint.Lint(LintHarness.Config("{}", "[]", upstream: upstream));

        Assert.Equal(reported, report.Findings.Any(f => f.Id == "credential-plain-http" && f.Path == "$.connectors[0].upstream.allow_plain_http"));
    }

    [Fact]
    public void DestructiveWithoutReview_OptedInDestructiveToolWithReviewWaived_IsReportedOfflineAndLive()
    {
        var json = LintHarness.Config("""{ "wipe": { "allow_destructive": true, "review": { "required": false } } }""", "[\"wipe\"]");

        var offline = Single(_lint.Lint(json), "destructive-without-review");
        var live = Single(_lint.Lint(json, Upstream(LintHarness.Tool("wipe", """{"type":"object","additionalProperties":false}""", destructive: true))), "destructive-without-review");

        Assert.Equal("$.connectors[0].tools.wipe.review.required", offline.Path);
        Assert.Equal(offline.Path, live.Path);
    }

    [Fact]
    public void DestructiveWithoutReview_OptedInDestructiveToolBehindReview_IsQuiet()
    {
        var json = LintHarness.Config("""{ "wipe": { "allow_destructive": true, "review": { "required": true, "mode": "caller" } } }""", "[\"wipe\"]");

        None(_lint.Lint(json), "destructive-without-review");
        None(_lint.Lint(json, Upstream(LintHarness.Tool("wipe", """{"type":"object","additionalProperties":false}""", destructive: true))), "destructive-without-review");
    }

    [Fact]
    public void DestructiveWithoutReview_OptedInButTheUpstreamSaysHarmless_IsQuietLive()
    {
        var json = LintHarness.Config("""{ "tidy": { "allow_destructive": true, "review": { "required": false } } }""", "[\"tidy\"]");

        var report = _lint.Lint(json, Upstream(LintHarness.Tool("tidy", """{"type":"object","additionalProperties":false}""", readOnly: false, destructive: false)));

        None(report, "destructive-without-review");
    }

    [Theory]
    [InlineData("""{ "add": {} }""", "", true)]
    [InlineData("""{ "add": { "rate_limit": { "permits": 5, "window_seconds": 60 } } }""", "", false)]
    [InlineData("""{ "add": {} }""", """, "rate_limit": { "permits": 5, "window_seconds": 60 }""", false)]
    [InlineData("""{ "add": { "read_only": true } }""", "", false)]
    public void WriteWithoutRateLimit_WriteWithNoBudget_IsReported(string tools, string extra, bool reported)
    {
        var report = _lint.Lint(LintHarness.Config(tools, "[\"add\"]", extra: extra));

        Assert.Equal(reported, report.Findings.Any(f => f.Id == "write-without-rate-limit" && f.Path == "$.connectors[0].tools.add"));
    }

    [Fact]
    public void StringUnbounded_FreeStrings_AreReportedPerArgumentWithAnOverlaySnippet()
    {
        var schema = """
            {"type":"object","additionalProperties":false,"properties":{
              "text":{"type":"string"},
              "code":{"type":["string","null"],"enum":["a","b"]},
              "when":{"type":"string","format":"date"},
              "nested":{"type":"object","additionalProperties":false,"properties":{"inner":{"type":"string"}}},
              "tags":{"type":"array","items":{"type":"string"}},
              "n":{"type":"integer"}}}
            """;
        var report = _lint.Lint(LintHarness.Config("""{ "t": { "read_only": true } }""", "[\"t\"]"), Upstream(LintHarness.Tool("t", schema, readOnly: true)));

        var paths = report.Findings.Where(f => f.Id == "string-unbounded").Select(f => f.Path).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(
        [
            "$.connectors[0].tools.t.input_schema.properties.nested.properties.inner",
            "$.connectors[0].tools.t.input_schema.properties.tags.items",
            "$.connectors[0].tools.t.input_schema.properties.text",
        ], paths);
        var text = Assert.Single(report.Findings, f => f.Path.EndsWith(".text", StringComparison.Ordinal));
        Assert.Equal("""{"properties":{"text":{"maxLength":256}}}""", text.Snippet!.ToJsonString());
        Assert.Equal("$.connectors[0].tools.t.input_schema", text.SnippetAt);
    }

    [Fact]
    public void StringUnbounded_BoundedByTheOverlay_IsQuiet()
    {
        var json = LintHarness.Config("""{ "echo": { "read_only": true, "input_schema": { "additionalProperties": false, "properties": { "text": { "pattern": "^[a-z]+$" } } } } }""", "[\"echo\"]");

        var report = _lint.Lint(json, Upstream(LintHarness.Tool("echo", EchoSchema, readOnly: true)));

        None(report, "string-unbounded");
        None(report, "additional-properties-open");
    }

    [Fact]
    public void StringUnbounded_TheGatewaysOwnIdempotencyKey_IsNotReported()
    {
        var json = LintHarness.Config("""{ "add": { "input_schema": { "additionalProperties": false, "properties": { "text": { "maxLength": 10 } } } } }""", "[\"add\"]");

        var report = _lint.Lint(json, Upstream(LintHarness.Tool("add", EchoSchema, readOnly: false, destructive: false)));

        None(report, "string-unbounded");
    }

    [Fact]
    public void AdditionalPropertiesOpen_OpenArguments_IsReportedAtTheInputSchema()
    {
        var report = _lint.Lint(LintHarness.Config("""{ "echo": { "read_only": true } }""", "[\"echo\"]"), Upstream(LintHarness.Tool("echo", EchoSchema, readOnly: true)));

        var finding = Single(report, "additional-properties-open");
        Assert.Equal("$.connectors[0].tools.echo.input_schema", finding.Path);
        Assert.Equal("""{"additionalProperties":false}""", finding.Snippet!.ToJsonString());
    }

    [Fact]
    public void HintUntrusted_ReadOnlyOnTheUpstreamsWordAlone_IsReported()
    {
        var report = _lint.Lint(LintHarness.Config("{}", "[\"echo\"]"), Upstream(LintHarness.Tool("echo", EchoSchema, readOnly: true, destructive: false)));

        // Both of its loosening hints are untrusted: the read-only one (the gateway treats it as a write) and destructiveHint: false.
        var findings = report.Findings.Where(f => f.Id == "hint-untrusted").ToList();
        Assert.Equal(["$.connectors[0].tools.echo.read_only", "$.connectors[0].tools_allow[0]"], findings.Select(f => f.Path));
        Assert.Contains("readOnlyHint", findings[0].Message, StringComparison.Ordinal);
        Assert.Contains("treats the tool as a write", findings[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HintUntrusted_NotDestructiveOnTheUpstreamsWordAlone_IsReported()
    {
        var report = _lint.Lint(LintHarness.Config("{}", "[\"add\"]"), Upstream(LintHarness.Tool("add", EchoSchema, readOnly: false, destructive: false)));

        var finding = Single(report, "hint-untrusted");
        Assert.Equal("$.connectors[0].tools_allow[0]", finding.Path);
        Assert.Contains("destructiveHint: false", finding.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "echo": { "read_only": true } }""")]
    [InlineData("""{ "echo": { "read_only": false } }""")]
    public void HintUntrusted_DeclaredInTheConfig_IsQuiet(string tools)
    {
        var report = _lint.Lint(LintHarness.Config(tools, "[\"echo\"]"), Upstream(LintHarness.Tool("echo", EchoSchema, readOnly: true, destructive: false)));

        Assert.DoesNotContain(report.Findings, f => f.Id == "hint-untrusted" && f.Message.Contains("readOnlyHint", StringComparison.Ordinal));
    }

    [Fact]
    public void HintUntrusted_PinnedAndUnchanged_IsQuiet()
    {
        var echo = LintHarness.Tool("echo", EchoSchema, readOnly: true, destructive: false);
        var file = new LockFile();
        file.Set("crm", "echo", ToolPin.Of(PinnedDefinition.From(echo)));
        _lint.WriteLock(file);

        var report = _lint.Lint(LintHarness.Config("{}", "[\"echo\"]"), Upstream(echo));

        None(report, "hint-untrusted");
        None(report, "pins-missing");
        None(report, "pin-drift");
    }

    [Fact]
    public void ToolNotOffered_Misspelt_SuggestsTheUpstreamsName()
    {
        var report = _lint.Lint(LintHarness.Config("""{ "ecoh": { "read_only": true } }""", "[\"ecoh\"]"), Upstream(LintHarness.Tool("echo", EchoSchema, readOnly: true)));

        var finding = Single(report, "tool-not-offered");
        Assert.Equal("$.connectors[0].tools_allow[0]", finding.Path);
        Assert.Contains("(did you mean 'echo'?)", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CatalogRefusals_AreErrorsInTheGatewaysWords()
    {
        var json = LintHarness.Config("""{ "wipe": {}, "strict": { "read_only": true, "input_schema": { "properties": { "code": { "maxLength": 20 } } } }, "broken": { "read_only": true } }""",
            "[\"wipe\", \"strict\", \"broken\"]");
        var upstream = Upstream(
            LintHarness.Tool("wipe", """{"type":"object"}""", destructive: true),
            LintHarness.Tool("strict", """{"type":"object","properties":{"code":{"type":"string","maxLength":8}}}""", readOnly: true),
            LintHarness.Tool("broken", """{"type":"object","properties":{"tags":{"type":"array","items":[{"type":"string"}]}}}""", readOnly: true));

        var report = _lint.Lint(json, upstream);

        var destructive = Single(report, "destructive-not-opted-in");
        Assert.Equal("$.connectors[0].tools_allow[0]", destructive.Path);
        Assert.StartsWith("connectors[crm].tools_allow lists 'wipe', which the upstream marks destructive", destructive.Message, StringComparison.Ordinal);
        var loosens = Single(report, "overlay-loosens");
        Assert.Equal("$.connectors[0].tools.strict.input_schema.properties.code.maxLength", loosens.Path);
        Assert.StartsWith("connectors[crm].tools.strict.input_schema would loosen the upstream's schema at keyword 'maxLength'", loosens.Message, StringComparison.Ordinal);
        var broken = Single(report, "schema-uncompilable");
        Assert.Equal("$.connectors[0].tools_allow[2]", broken.Path);
        Assert.Equal(2, report.ExitCode(strict: false));
    }

    /// <summary>Before, lint failed with an unhandled ArgumentException (a dictionary of the live tools by name) and a stack trace.</summary>
    [Fact]
    public void ToolListedTwice_UpstreamListsAnAllowedNameTwice_IsAnErrorAtTheAllowEntryAndTheOthersChecked()
    {
        var json = LintHarness.Config("""{ "echo": { "read_only": true }, "find": { "read_only": true } }""", "[\"find\", \"echo\"]");
        var upstream = Upstream(
            LintHarness.Tool("echo", EchoSchema, readOnly: true),
            LintHarness.Tool("find", EchoSchema, readOnly: true),
            LintHarness.Tool("echo", """{"type":"object","properties":{"cmd":{"type":"string"}}}""", readOnly: false, destructive: true, description: "Another."));

        var report = _lint.Lint(json, upstream);

        var twice = Single(report, "tool-listed-twice");
        Assert.Equal("$.connectors[0].tools_allow[1]", twice.Path);
        Assert.Contains("the upstream lists it more than once", twice.Message, StringComparison.Ordinal);
        Assert.Equal(LintSeverity.Error, twice.Severity);
        None(report, "tool-not-offered");
        None(report, "schema-uncompilable");
        Assert.Contains(report.Findings, f => f.Id == "string-unbounded" && f.Tool == "find");
        Assert.Equal(2, report.ExitCode(strict: false));
    }

    /// <summary>Before, names that differ only in case, width or invisible characters were served side by side without a word.</summary>
    [Theory]
    [InlineData("Echo")]
    [InlineData("ＥＣＨＯ")]
    [InlineData("ec\u200bho")]
    [InlineData("e\u0301cho")]
    public void ToolNameConfusable_TwoAllowedNamesThatReadAlike_IsAWarningAtTheSecond(string twin, string first = "echo")
    {
        var allow = System.Text.Json.JsonSerializer.Serialize(new[] { first, "find", twin });
        var tools = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object> { [first] = new { read_only = true }, ["find"] = new { read_only = true }, [twin] = new { read_only = true } });

        var report = _lint.Lint(LintHarness.Config(tools, allow));

        var finding = Single(report, "tool-name-confusable");
        Assert.Equal("$.connectors[0].tools_allow[2]", finding.Path);
        Assert.Equal(LintSeverity.Warning, finding.Severity);
        Assert.Contains("($.connectors[0].tools_allow[0])", finding.Message, StringComparison.Ordinal);
        Assert.Equal(twin, finding.Tool);
    }

    [Fact]
    public void ToolNameConfusable_OneNameWithAnInvisibleCharacter_IsAWarningSpellingItOut()
    {
        var report = _lint.Lint(LintHarness.Config("""{ "find\u200b": { "read_only": true } }""", "[\"find\\u200b\"]"));

        var finding = Single(report, "tool-name-confusable");
        Assert.Equal("$.connectors[0].tools_allow[0]", finding.Path);
        Assert.Contains("U+200B", finding.Message, StringComparison.Ordinal);
        Assert.Contains("'find\\u200b'", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToolNameConfusable_ANameSpeltWithACombiningAccent_IsAWarningThoughTheOtherSpellingIsAllowed()
    {
        var report = _lint.Lint(LintHarness.Config("""{ "\u00e9cho": { "read_only": true }, "e\u0301cho": { "read_only": true } }""", "[\"\\u00e9cho\", \"e\\u0301cho\"]"));

        var finding = Single(report, "tool-name-confusable");
        Assert.Equal("$.connectors[0].tools_allow[1]", finding.Path);
        Assert.Contains("U+0301", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToolNameConfusable_NamesThatReadDifferently_IsQuiet()
    {
        var report = _lint.Lint(LintHarness.Config("""{ "find_contact": { "read_only": true }, "find_contacts": { "read_only": true }, "list.notes-v2": { "read_only": true } }""",
            "[\"find_contact\", \"find_contacts\", \"list.notes-v2\"]"));

        None(report, "tool-name-confusable");
    }

    [Fact]
    public void UpstreamUnreachable_IsAnErrorAtTheUpstream()
    {
        var report = _lint.Lint(LintHarness.Config("{}", "[\"echo\"]"), new Dictionary<string, Tool[]>());

        var finding = Single(report, "upstream-unreachable");
        Assert.Equal("$.connectors[0].upstream", finding.Path);
        Assert.Contains("test: not listed", finding.Message, StringComparison.Ordinal);
        Assert.Equal(2, report.ExitCode(strict: false));
    }

    [Fact]
    public void LiveChecksSkipped_Offline_IsANoteThatNeverFailsTheRun()
    {
        var report = _lint.Lint(LintHarness.Config("""{ "echo": { "read_only": true } }""", "[\"echo\"]", auth: """{ "scopes": ["crm:read"] }""")
            .Replace("\"read_only\": true", "\"read_only\": true, \"scopes\": [\"crm:read\"]", StringComparison.Ordinal));

        Assert.Equal(LintSeverity.Info, Single(report, "live-checks-skipped").Severity);
        Assert.Equal(["live-checks-skipped", "pins-missing"], report.Findings.Select(f => f.Id).Order(StringComparer.Ordinal));
        Assert.Equal(1, report.ExitCode(strict: true));
    }

    /// <summary>
    /// An admin plane on every address without admin.public_url: its URL (the admin tokens' audience, the console link a
    /// webhook would send) is a wildcard address. A warning; with a webhook, serve refuses it and lint says so once.
    /// </summary>
    [Theory]
    [InlineData("""{ "listen": "http://0.0.0.0:9090" }""", "", "admin-url-unknown")]
    [InlineData("""{ "listen": "http://[::]:9090" }""", "", "admin-url-unknown")]
    [InlineData("""{ "listen": "http://0.0.0.0:9090" }""", """ "review": { "notify_url": "https://hooks.example.com/r" }, """, "config-invalid")]
    [InlineData("""{ "listen": "http://0.0.0.0:9090", "public_url": "https://admin.example.com" }""", "", null)]
    [InlineData("""{ "listen": "http://127.0.0.1:9090" }""", "", null)]
    public void AdminUrlUnknown_AdminOnEveryAddressWithoutPublicUrl_IsReportedAtPublicUrl(string admin, string review, string? id)
    {
        var config = LintHarness.Config("""{ "find": { "scopes": ["crm:read"], "read_only": true } }""", "[\"find\"]", auth: """{ "scopes": ["crm:read"] }""")
            .Replace("\"connectors\":", review + "\"admin\": " + admin + ", \"connectors\":", StringComparison.Ordinal);

        var report = _lint.Lint(config);

        var found = report.Findings.Where(f => f.Path == "$.admin.public_url").ToList();
        if (id is null)
        {
            Assert.Empty(found);
            return;
        }

        var finding = Assert.Single(found);
        Assert.Equal(id, finding.Id);
        Assert.Contains("admin.public_url", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rules_EveryIdIsUniqueAndDocumented()
    {
        var ids = LintRules.All.Select(r => r.Id).ToList();
        var docs = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "lint.md"));

        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id => Assert.Contains($"### `{id}`", docs, StringComparison.Ordinal));
    }

    private static string RepoRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Portcullis.slnx")))
        {
            directory = directory.Parent;
        }

        return directory!.FullName;
    }
}
