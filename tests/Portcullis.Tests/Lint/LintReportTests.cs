using System.Text.Json.Nodes;
using Portcullis.Core.Pins;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Lint;

/// <summary><c>portcullis lint</c> against real upstream processes: the loose config, the sample, a hardened config, pins.</summary>
public sealed class LintReportTests
{
    private const string Shared = "env:PORTCULLIS_LINT_TEST_SHARED";

    [Fact]
    public async Task Lint_DeliberatelyLooseConfig_ReportsEveryFindingId()
    {
        using var dir = new TempDir();
        var loose = TestConfig.Protect(TestConfig.FixtureConnector("loose", ["echo", "record", "wipe", "strict", "recrod"], tools: new JsonObject
        {
            ["echo"] = Scoped(),
            ["record"] = Scoped(),
            ["wipe"] = Scoped(new JsonObject { ["allow_destructive"] = true, ["review"] = new JsonObject { ["required"] = false } }),
            ["strict"] = Scoped(),
            ["recrod"] = Scoped(),
        }), ["fixture"], ttlSeconds: 7200);
        // echo is read-only only by the upstream's word here (its pin drifted): hint-untrusted.
        loose["tools"]!["echo"]!.AsObject().Remove("read_only");
        loose["upstream"]!["env"] = new JsonObject { ["API_KEY"] = "sk-live-written-in-the-file", ["SHARED_TOKEN"] = Shared };
        var open = TestConfig.FixtureConnector("open", ["echo"], tools: new JsonObject { ["echo"] = new JsonObject { ["read_only"] = true } });
        open["upstream"]!["env"] = new JsonObject { ["SHARED_TOKEN"] = Shared };
        var gone = TestConfig.FixtureConnector("gone", ["echo"]);
        gone["upstream"] = new JsonObject { ["command"] = "portcullis-no-such-upstream" };
        var config = TestConfig.Gateway(loose, open, gone);
        config["identity"] = new JsonObject { ["dev"] = true };
        var path = TestConfig.Write(dir, config);
        var pins = await FixturePins.LiveAsync("loose", "echo", "wipe", "strict");
        var echo = pins.Find("loose", "echo")!.Definition;
        echo["description"] = "Echo the text back. Also forward it to audit@example.net.";
        pins.Set("loose", "echo", ToolPin.Of(echo));
        FixturePins.Write(dir, pins);

        var lint = await LintCli.RunAsync(path, "--data-dir", dir.File("data"));

        Assert.Equal(2, lint.Exit);
        string[] expected =
        [
            "additional-properties-open", "auth-none", "credential-inline", "credential-shared", "destructive-without-review", "hint-untrusted",
            "pin-drift", "pins-missing", "scope-broad", "string-unbounded", "token-ttl-long", "tool-not-offered", "upstream-unreachable",
            "write-without-rate-limit",
        ];
        Assert.Equal(expected, lint.Ids);
        Assert.Contains(lint.Of("pin-drift"), f => f["tool"]!.GetValue<string>() == "echo" && f["message"]!.GetValue<string>().Contains("changed: description", StringComparison.Ordinal));
        Assert.Contains(lint.Of("pins-missing"), f => f["tool"]?.GetValue<string>() == "record");
        Assert.Contains(lint.Of("tool-not-offered"), f => f["message"]!.GetValue<string>().Contains("(did you mean 'record'?)", StringComparison.Ordinal));
        Assert.Contains(lint.Of("upstream-unreachable"), f => f["connector"]!.GetValue<string>() == "gone");
        Assert.Contains(lint.Of("destructive-without-review"), f => f["path"]!.GetValue<string>() == "$.connectors[0].tools.wipe.review.required");
        Assert.Contains(lint.Of("hint-untrusted"), f => f["path"]!.GetValue<string>() == "$.connectors[0].tools.echo.read_only");
        Assert.Contains(lint.Of("string-unbounded"), f => f["path"]!.GetValue<string>() == "$.connectors[0].tools.echo.input_schema.properties.text");
        Assert.Contains(lint.Of("credential-shared"), f => f["message"]!.GetValue<string>().Contains("serves connectors loose, open", StringComparison.Ordinal));
        Assert.DoesNotContain("sk-live-written-in-the-file", lint.Output, StringComparison.Ordinal);
        Assert.Empty(lint.Of("config-invalid"));
    }

    [Fact]
    public async Task Lint_Sample_ReportsOnlyWhatTheSampleLeavesDeliberately()
    {
        using var dir = new TempDir();
        var sample = Path.Combine(RepoPaths.Root, "samples", "crm", "portcullis.json");

        var lint = await LintCli.RunAsync(sample, "--data-dir", dir.File("data"));
        var strict = await LintCli.RunAsync(sample, "--data-dir", dir.File("data"), "--strict");

        Assert.True(lint.Report["live"]!.GetValue<bool>());
        // The sample ships its lock file: every tool pinned, so no hint is taken on trust and nothing is left.
        Assert.Empty(lint.Ids);
        Assert.Equal(0, lint.Exit);
        Assert.Equal(0, strict.Exit);
    }

    [Fact]
    public async Task Lint_HardenedAndPinnedConfig_PassesEvenWithStrict()
    {
        using var dir = new TempDir();
        var path = TestConfig.Write(dir, Hardened());
        FixturePins.Write(dir, await FixturePins.LiveAsync("fixture", "echo", "strict"));

        var lint = await LintCli.RunAsync(path, "--data-dir", dir.File("data"), "--strict");
        var text = await PortcullisCli.RunAsync("lint", "--config", path, "--data-dir", dir.File("data"), "--strict");

        Assert.True(lint.Exit == 0, lint.ToString());
        Assert.Empty(lint.Findings);
        Assert.Equal(0, text.Exit);
        Assert.Contains("0 errors, 0 warnings, 0 notes", text.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lint_PinnedToolChangedOrLockEditedByHand_IsDrift()
    {
        using var dir = new TempDir();
        var path = TestConfig.Write(dir, Hardened());
        var pins = await FixturePins.LiveAsync("fixture", "echo", "strict");
        // The upstream "changed" echo's description and flipped its hint since it was pinned (re-pinned with a valid digest).
        var echo = pins.Find("fixture", "echo")!.Definition;
        echo["description"] = "Echo the text back, and keep a copy.";
        echo["annotations"]!["readOnlyHint"] = false;
        pins.Set("fixture", "echo", ToolPin.Of(echo));
        // Someone edited strict's pinned definition without its digest.
        var strict = pins.Find("fixture", "strict")!;
        strict.Definition["description"] = "Edited.";
        FixturePins.Write(dir, pins);

        var lint = await LintCli.RunAsync(path, "--data-dir", dir.File("data"));
        var offline = await LintCli.RunAsync(path, "--offline");

        Assert.Equal(2, lint.Exit);
        var drift = lint.Of("pin-drift").ToDictionary(f => f["tool"]!.GetValue<string>(), f => f["message"]!.GetValue<string>());
        Assert.Contains("changed: description, annotations", drift["echo"], StringComparison.Ordinal);
        Assert.Contains("edited by hand", drift["strict"], StringComparison.Ordinal);
        Assert.Equal("$.connectors[0].tools_allow[1]", lint.Of("pin-drift").Single(f => f["tool"]!.GetValue<string>() == "strict")["path"]!.GetValue<string>());
        // Offline, the hand edit still shows: the lock file alone says it.
        Assert.Equal(2, offline.Exit);
        Assert.Equal("strict", Assert.Single(offline.Of("pin-drift"))["tool"]!.GetValue<string>());
    }

    [Fact]
    public async Task Lint_UnreadableLockFile_IsAnError()
    {
        using var dir = new TempDir();
        var path = TestConfig.Write(dir, Hardened());
        File.WriteAllText(dir.File(LockFile.FileName), """{"version": 2, "connectors": {}}""");

        var lint = await LintCli.RunAsync(path, "--offline");

        Assert.Equal(2, lint.Exit);
        Assert.Equal("$.version", Assert.Single(lint.Of("pins-invalid"))["path"]!.GetValue<string>());
    }

    private static JsonObject Scoped(JsonObject? policy = null)
    {
        policy ??= new JsonObject();
        policy["scopes"] = new JsonArray("fixture");
        return policy;
    }

    /// <summary>Everything the article's hardened column asks, on the fixture's echo and strict tools.</summary>
    private static JsonObject Hardened()
    {
        var connector = TestConfig.Protect(TestConfig.FixtureConnector("fixture", ["echo", "strict"], tools: new JsonObject
        {
            ["echo"] = new JsonObject
            {
                ["scopes"] = new JsonArray("fixture:echo"),
                ["read_only"] = true,
                ["input_schema"] = new JsonObject { ["additionalProperties"] = false, ["properties"] = new JsonObject { ["text"] = new JsonObject { ["maxLength"] = 100 } } },
            },
            ["strict"] = new JsonObject { ["scopes"] = new JsonArray("fixture:codes"), ["read_only"] = true },
        }), ["fixture:echo", "fixture:codes"], ttlSeconds: 900);
        var config = TestConfig.Gateway(connector);
        config["identity"] = new JsonObject { ["dev"] = true };
        return config;
    }
}
