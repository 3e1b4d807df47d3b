using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Portcullis.Tests.Conformance;
using Portcullis.Tests.Gateway;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Clients;

/// <summary>
/// Runs the README's client commands as written, from the repository root, against the sample started by the README's
/// run command. Only two things differ from a user's terminal, both as the README itself says: the gateway listens on
/// a free port and keeps its data in a scratch folder, and <c>token</c> is given the same <c>--listen</c> and
/// <c>--data-dir</c>. A command the test does not know how to check fails it, so the README cannot drift untested.
/// </summary>
[Collection(BuildsCollection.Name)]
public sealed class ReadmeClientCommandsTests
{
    private const string ReadmeUrl = "http://127.0.0.1:8080";
    private const string TokenVerb = "token --config samples/crm/portcullis.json";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task ReadmeClientCommands_RunAsWritten_ReachTheSampleAndShowItsErrors()
    {
        using var dir = new TempDir();
                var data = dir.File("data");
        var serve = FirstRunTests.Start("bash", RepoPaths.Root, "scripts/serve-sample.sh", "--listen", "http://127.0.0.1:0", "--admin-listen", "http://127.0.0.1:0", "--data-dir", data);
        await using var gateway = await GatewayProcess.StartWithAsync(serve, Path.Combine(RepoPaths.Root, "samples", "crm", "portcullis.json"), data, Timeout);
        var baseUrl = gateway.BaseUrl;

        var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        Assert.Contains(ReadmeUrl + "/mcp/crm-mcp", readme, StringComparison.Ordinal);
        Assert.Contains(TokenVerb, readme, StringComparison.Ordinal);
        var blocks = ReadmeBlock.InSection(readme, "## Connecting a client");
        var seen = new List<string>();
        var environment = new Dictionary<string, string> { ["PATH"] = StandIns(dir) + ":" + Environment.GetEnvironmentVariable("PATH") };
        for (var i = 0; i < blocks.Count; i++)
        {
            var block = blocks[i];
            var command = block.Text.Replace(ReadmeUrl, baseUrl, StringComparison.Ordinal);
            var expected = i + 1 < blocks.Count && IsExpectedError(blocks[i + 1]) ? JsonNode.Parse(blocks[i + 1].Text)!.AsObject() : null;
            switch (block.Language)
            {
                case "bash" when command.StartsWith("TOKEN=$(", StringComparison.Ordinal):
                    command = command.Replace(TokenVerb, $"{TokenVerb} --listen {baseUrl} --data-dir {data}", StringComparison.Ordinal);
                    var run = await BashAsync(command + "\nprintf '%s' \"$TOKEN\"", environment);
                    Assert.True(run.Exit == 0, run.Output);
                    Assert.Matches(@"^ey[\w-]+\.[\w-]+\.[\w-]+$", run.Stdout);
                    environment["TOKEN"] = run.Stdout;
                    seen.Add("token");
                    break;
                case "bash" when command.StartsWith("scripts/inspector.sh --cli ", StringComparison.Ordinal):
                    await AssertInspectorCliAsync(command, expected, environment);
                    seen.Add("inspector-cli");
                    break;
                case "bash" when command.StartsWith("scripts/inspector.sh --web ", StringComparison.Ordinal):
                    await AssertInspectorWebStartsAsync(command, environment);
                    seen.Add("inspector-web");
                    break;
                case "bash" when command.StartsWith("claude mcp add ", StringComparison.Ordinal):
                    var claude = await BashAsync(command, environment);
                    Assert.True(claude.Exit == 0, claude.Output);
                    Assert.Contains("find_contact", claude.Stdout, StringComparison.Ordinal);
                    seen.Add("claude");
                    break;
                case "json" when i > 0 && blocks[i - 1].Language == "bash" && IsExpectedError(block):
                    break;
                case "json" when (JsonNode.Parse(command)?["servers"]?["crm"]) is JsonObject vsCode:
                    Assert.Equal("http", vsCode["type"]!.GetValue<string>());
                    await AssertHttpEntryConnectsAsync(vsCode, "${input:portcullis-token}", environment["TOKEN"]);
                    seen.Add("vscode");
                    break;
                case "json" when (JsonNode.Parse(command)?["mcpServers"]?["crm"]) is JsonObject cursor && cursor.ContainsKey("url"):
                    await AssertHttpEntryConnectsAsync(cursor, "<token>", environment["TOKEN"]);
                    seen.Add("cursor");
                    break;
                case "json" when (JsonNode.Parse(command)?["mcpServers"]) is JsonObject servers:
                    var args = servers["crm"]!["args"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
                    // The version the tests run (ErrorEnvelopeClientTests, through mcp-remote) is the one the README names.
                    Assert.Equal([$"mcp-remote@{PinnedMcpRemote()}", baseUrl + "/mcp/crm-mcp", "--header", "Authorization:${AUTH_HEADER}"], args);
                    Assert.StartsWith("Bearer ", servers["crm"]!["env"]!["AUTH_HEADER"]!.GetValue<string>(), StringComparison.Ordinal);
                    seen.Add("claude-desktop");
                    break;
                case "text":
                    // An illustration (a sequence of messages), not something to run.
                    break;
                case "json":
                    Assert.Fail($"A JSON block of the README's client section is neither a command's expected error nor a client config:\n{block.Text}");
                    break;
                default:
                    Assert.Fail($"The README's client section has a command this test does not know how to check; teach it:\n{block.Text}");
                    break;
            }
        }

        Assert.Equal(["token", "inspector-web", "inspector-cli", "inspector-cli", "claude", "claude-desktop", "vscode", "cursor", "inspector-cli", "inspector-cli"], seen);
    }

    /// <summary>
    /// An editor's entry for the gateway (its URL and the Authorization header it sends, the token in place of the
    /// placeholder the user fills in) reaches the sample's tools through a real MCP client.
    /// </summary>
    private static async Task AssertHttpEntryConnectsAsync(JsonObject entry, string placeholder, string token)
    {
        Assert.Equal("Bearer " + placeholder, entry["headers"]!["Authorization"]!.GetValue<string>());
        await using var client = await McpClients.ConnectAsync(new Uri(entry["url"]!.GetValue<string>()), token);
        var tools = await client.ListToolsAsync(cancellationToken: Timeouts.CallToken);
        Assert.Contains("find_contact", tools.Select(t => t.Name));
    }

    private static string PinnedMcpRemote() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(NodeTools.PackagesDir, "package.json")))!["dependencies"]!["mcp-remote"]!.GetValue<string>();

    /// <summary>A JSON block right after a command shows the error it answers with (its structuredContent).</summary>
    private static bool IsExpectedError(ReadmeBlock block) =>
        block.Language == "json" && JsonNode.Parse(block.Text) is JsonObject shown && shown.ContainsKey("error");

    /// <summary>The CLI prints the result; its structuredContent is the error the README shows, or a plain result.</summary>
    private static async Task AssertInspectorCliAsync(string command, JsonObject? expected, Dictionary<string, string> environment)
    {
        var run = await BashAsync(command, environment);
        var result = JsonNode.Parse(run.Stdout)?.AsObject();
        Assert.True(result is not null, run.Output);
        var structured = result["structuredContent"]!.AsObject();
        if (expected is null)
        {
            Assert.True(run.Exit == 0 && result["isError"] is null, run.Output);
            return;
        }

        Assert.True(run.Exit == 5 && result["isError"]!.GetValue<bool>(), run.Output);
        var error = structured["error"]!.AsObject();
        var shown = expected["error"]!.AsObject();
        Assert.False(string.IsNullOrEmpty(error["correlation_id"]?.GetValue<string>()));
        error.Remove("correlation_id");
        shown.Remove("correlation_id");
        Assert.True(JsonNode.DeepEquals(shown, error), $"The README shows\n{shown}\nbut the gateway answered\n{error}");
    }

    /// <summary>A port nothing listens on now: the Inspector's web UI cannot bind port 0 and report it.</summary>
    private static int UnusedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The web UI starts under the pinned Node.js and serves its page; nothing can click Connect in a test without a browser.</summary>
    private static async Task AssertInspectorWebStartsAsync(string command, Dictionary<string, string> environment)
    {
        var web = new Dictionary<string, string>(environment)
        {
            ["CLIENT_PORT"] = UnusedPort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["MCP_SANDBOX_PORT"] = "0",
            ["MCP_APP_ORIGIN_PORT"] = "0",
            ["MCP_AUTO_OPEN_ENABLED"] = "false",
        };
        var start = BashStart(command, web);
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var address = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var announced = false;
        process.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
                if (announced && e.Data?.Trim() is { Length: > 0 } url)
                {
                    address.TrySetResult(url);
                }

                announced |= e.Data?.Contains("is up and running at:", StringComparison.Ordinal) == true;
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var url = await address.Task.WaitAsync(Timeout);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            using var page = await http.GetAsync(new Uri(url));
            Assert.True(page.IsSuccessStatusCode, $"{url} answered {page.StatusCode}:\n{output}");
        }
        catch (TimeoutException)
        {
            Assert.Fail($"The Inspector's web UI did not start within {Timeout}:\n{output}");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    /// <summary>
    /// A folder with a stand-in for Claude Code's <c>claude</c>, which CI does not have: it checks the shape of
    /// <c>claude mcp add --transport http NAME URL --header HEADER</c> and that the URL and header reach the gateway.
    /// </summary>
    private static string StandIns(TempDir dir)
    {
        var bin = Directory.CreateDirectory(dir.File("bin")).FullName;
        var claude = Path.Combine(bin, "claude");
        File.WriteAllText(claude, $$"""
            #!/usr/bin/env bash
            set -euo pipefail
            [ "$1 $2" = "mcp add" ] || { echo "expected: claude mcp add ..." >&2; exit 64; }
            shift 2
            transport= name= url= header=
            while [ $# -gt 0 ]; do
              case "$1" in
                --transport) transport=$2; shift 2 ;;
                --header) header=$2; shift 2 ;;
                -*) echo "unexpected option $1" >&2; exit 64 ;;
                *) if [ -z "$name" ]; then name=$1; elif [ -z "$url" ]; then url=$1; else echo "unexpected $1" >&2; exit 64; fi; shift ;;
              esac
            done
            [ "$transport" = http ] && [ -n "$name" ] && [ -n "$url" ] && [ -n "$header" ] || { echo "incomplete" >&2; exit 64; }
            exec "{{RepoPaths.Root}}/scripts/inspector.sh" --cli "$url" --transport http --header "$header" --method tools/list

            """);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(claude, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return bin;
    }

    private static ProcessStartInfo BashStart(string script, Dictionary<string, string> environment)
    {
        var start = FirstRunTests.Start("bash", RepoPaths.Root, "-c", "set -euo pipefail\n" + script);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return start;
    }

    private static async Task<(int Exit, string Stdout, string Output)> BashAsync(string script, Dictionary<string, string> environment)
    {
        using var process = Process.Start(BashStart(script, environment))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{script}' did not finish within {Timeout}");
        }

        return (process.ExitCode, await stdout, $"{script}\n-> exit {process.ExitCode}\n{await stdout}\n{await stderr}");
    }
}
