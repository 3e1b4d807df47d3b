using System.Text.Json.Nodes;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Lint;

/// <summary>The verb itself: exit codes, unreachable upstreams, offline mode, and the same words as serve.</summary>
public sealed class LintCommandTests
{
    [Fact]
    public async Task Lint_UnreachableUpstreams_AreFindingsNotACrash()
    {
        using var dir = new TempDir();
        var config = TestConfig.Gateway(
            TestConfig.HttpConnector("down", "http://127.0.0.1:1/mcp", ["echo"], new JsonObject { ["echo"] = new JsonObject { ["read_only"] = true } }),
            TestConfig.FixtureConnector("missing", ["echo"], tools: new JsonObject { ["echo"] = new JsonObject { ["read_only"] = true } }));
        config["connectors"]![1]!["upstream"] = new JsonObject { ["command"] = "portcullis-no-such-upstream" };
        var path = TestConfig.Write(dir, config);

        var lint = await LintCli.RunAsync(path, "--data-dir", dir.File("data"));
        var offline = await LintCli.RunAsync(path, "--offline");

        Assert.Equal(2, lint.Exit);
        var unreachable = lint.Of("upstream-unreachable").ToDictionary(f => f["connector"]!.GetValue<string>(), f => f);
        Assert.Equal(["down", "missing"], unreachable.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("$.connectors[0].upstream", unreachable["down"]["path"]!.GetValue<string>());
        Assert.Contains("could not be listed (", unreachable["missing"]["message"]!.GetValue<string>(), StringComparison.Ordinal);
        // Offline, nothing is contacted: the same config is only loose (anonymous), not broken.
        Assert.Equal(0, offline.Exit);
        Assert.False(offline.Report["live"]!.GetValue<bool>());
        Assert.Empty(offline.Of("upstream-unreachable"));
        Assert.Single(offline.Of("live-checks-skipped"));
    }

    [Fact]
    public async Task Lint_ExitCodes_WarningsFailOnlyWithStrictErrorsAlways()
    {
        using var dir = new TempDir();
        var warnings = TestConfig.Write(dir, TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["echo"])), "warnings.json");
        var errors = TestConfig.Write(dir, TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["echo"], tools: new JsonObject { ["echo"] = new JsonObject { ["readonly"] = true } })), "errors.json");

        Assert.Equal(0, (await LintCli.RunAsync(warnings, "--offline")).Exit);
        Assert.Equal(1, (await LintCli.RunAsync(warnings, "--offline", "--strict")).Exit);
        Assert.Equal(2, (await LintCli.RunAsync(errors, "--offline")).Exit);
        Assert.Equal(2, (await LintCli.RunAsync(errors, "--offline", "--strict")).Exit);
    }

    [Fact]
    public async Task Lint_ConfigServeRefuses_PrintsServesMessagesAndContactsNoUpstream()
    {
        using var dir = new TempDir();
        var path = dir.File("bad.json");
        File.WriteAllText(path, """
            {
              "environment": "test",
              "listen": "http://127.0.0.1:1",
              "connectors": [
                {
                  "server": "crm",
                  "environment": "test",
                  "upstream": { "command": "portcullis-no-such-upstream" },
                  "auth": { "mode": "none", "token_ttl_seconds": "3600" },
                  "tool_allow": ["find_contact"],
                  "tools_allow": ["find_contact"],
                  "tools": { "find_contact": { "read_only": true, "timeout_seconds": 7200 } }
                }
              ]
            }
            """);

        var lint = await LintCli.RunAsync(path);
        await using var gateway = await GatewayProcess.StartAsync(path, dir.File("data"), waitReady: false);
        Assert.Equal(2, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60)));

        Assert.Equal(2, lint.Exit);
        var errors = lint.Of("config-invalid").Select(f => $"{f["path"]!.GetValue<string>()}: {f["message"]!.GetValue<string>()}").ToList();
        Assert.Contains("$.connectors[0].tool_allow: unknown key 'tool_allow' (did you mean 'tools_allow'?)", errors);
        Assert.Contains("$.connectors[0].auth.token_ttl_seconds: expected a whole number, got a string", errors);
        Assert.Contains("$.connectors[0].tools.find_contact.timeout_seconds: must be at most 3600", errors);
        Assert.All(errors, error => Assert.Contains(error, gateway.Output, StringComparison.Ordinal));
        Assert.Contains($"{errors.Count} configuration error(s)", gateway.Output, StringComparison.Ordinal);
        Assert.Empty(lint.Of("upstream-unreachable"));
        Assert.Contains("the configuration has errors", Assert.Single(lint.Of("live-checks-skipped"))["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lint_TextOutput_IsATableWithEachFindingAndItsFix()
    {
        using var dir = new TempDir();
        var path = TestConfig.Write(dir, TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["record"])));

        var (exit, stdout, _) = await PortcullisCli.RunAsync("lint", "--config", path, "--offline");

        Assert.Equal(0, exit);
        Assert.Contains("connector fixture", stdout, StringComparison.Ordinal);
        Assert.Matches(@"SEVERITY\s+ID\s+PATH\s+MESSAGE", stdout);
        Assert.Matches(@"warning\s+auth-none\s+\$\.connectors\[0\]\.auth\.mode\s+connector 'fixture' takes calls without a token", stdout);
        Assert.Contains("fix: ", stdout, StringComparison.Ordinal);
        Assert.Contains("at $.connectors[0].tools.record: {\"rate_limit\":{\"permits\":30,\"window_seconds\":60}}", stdout, StringComparison.Ordinal);
        Assert.EndsWith("0 errors, 3 warnings, 1 note", stdout.TrimEnd(), StringComparison.Ordinal);
    }
}
