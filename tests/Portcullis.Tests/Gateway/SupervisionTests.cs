using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Gateway;

public sealed class SupervisionTests
{
    [Fact]
    public async Task StdioUpstream_KilledFromOutside_IsRestartedAndServesAgain()
    {
        using var dir = new TempDir();
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["echo"]));
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        var child = Assert.Single(gateway.ChildProcessIds());

        System.Diagnostics.Process.GetProcessById(child).Kill();

        await gateway.WaitForOutputAsync("s after connecting", TimeSpan.FromSeconds(30));
        await gateway.WaitReadyAsync(TimeSpan.FromSeconds(60));
        var ready = JsonNode.Parse(await gateway.GetAsync("/readyz"))!;
        Assert.Equal(1, ready["connectors"]!["fixture"]!["restarts"]!.GetValue<int>());
        Assert.NotEqual(child, Assert.Single(gateway.ChildProcessIds()));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"));
        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "back" }, cancellationToken: Timeouts.CallToken);
        Assert.Equal("back", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
    }

    /// <summary>
    /// An upstream that exits while a process it started still holds its standard output open: no end of output ever
    /// comes, yet the exit is seen (with its code) and the upstream is started again, and the process left behind is
    /// killed with the rest of the old upstream's process group (before, it lived on, re-parented, out of the tree's reach).
    /// </summary>
    [Fact]
    public async Task StdioUpstream_ExitsWhileItsChildHoldsTheOutputOpen_IsSeenGoneAndRestarted()
    {
        using var dir = new TempDir();
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["echo", "exit_leaving_child"]));
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        var child = Assert.Single(gateway.ChildProcessIds());
        Assert.Equal(child, ProcessGroups.GroupOf(child));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"));

        var exiting = await client.CallToolAsync("exit_leaving_child", cancellationToken: Timeouts.CallToken);
        Assert.True(exiting.IsError);

        await gateway.WaitForOutputAsync("exited with code 3; processes it started still hold its output open", Timeouts.Call);
        await gateway.WaitReadyAsync(Timeouts.Call);
        Assert.NotEqual(child, gateway.ChildProcessIds().First());
        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "back" }, cancellationToken: Timeouts.CallToken);
        Assert.Equal("back", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        // It sleeps for a minute: within half of that it is gone only if it was killed.
        await Poll.UntilAsync(_ => Task.FromResult(ProcessGroups.Members(child).Count == 0), TimeSpan.FromSeconds(10),
            () => $"the old upstream's process group is empty (left: {string.Join(", ", ProcessGroups.Members(child))})");
    }

    /// <summary>
    /// A process the upstream started in a session of its own has left the upstream's group, and is found only through
    /// the process tree: the gateway's stop walks the tree while the upstream still lives, then kills the group.
    /// </summary>
    [Fact]
    public async Task StdioUpstream_ItsChildInASessionOfItsOwn_IsKilledWhenTheGatewayStops()
    {
        using var dir = new TempDir();
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["echo", "spawn_own_session"]));
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        int detached;
        await using (var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture")))
        {
            var spawned = await client.CallToolAsync("spawn_own_session", cancellationToken: Timeouts.CallToken);
            detached = int.Parse(Assert.IsType<TextContentBlock>(Assert.Single(spawned.Content)).Text, System.Globalization.CultureInfo.InvariantCulture);
        }

        // setsid has been started, and leads its own group once it has run: a moment later at most.
        await Poll.UntilAsync(() => ProcessGroups.GroupOf(detached) == detached, Timeouts.Call, $"process {detached} in a group of its own");

        gateway.Terminate();
        Assert.Equal(0, await gateway.WaitForExitAsync(Timeouts.Exit));

        // It sleeps for a minute: within a fraction of that it is gone only if it was killed.
        await Poll.UntilAsync(() => ProcessGroups.GroupOf(detached) is null, TimeSpan.FromSeconds(10), $"process {detached} killed");
    }

    /// <summary>
    /// As process 1 (a container without an init) the gateway adopts the orphans: the process an upstream left behind was
    /// killed with the upstream's group and then never reaped, a zombie for as long as the gateway ran, one more at each
    /// restart of an upstream that starts others (npx, uvx, a shell script).
    /// </summary>
    [Fact]
    public async Task StdioUpstream_ExitsWhileItsChildHoldsTheOutputOpen_GatewayIsProcess1_TheChildIsKilledAndReaped()
    {
        using var dir = new TempDir();
        var path = TestConfig.Write(dir, TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["echo", "exit_leaving_child"])));
        var data = dir.File("data");
        await using var gateway = await GatewayProcess.StartWithAsync(AsProcess1(path, data), path, data, Timeouts.Startup);
        var process1 = Assert.Single(gateway.ChildProcessIds());
        var upstream = Assert.Single(ChildrenOf(process1));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"));

        var exiting = await client.CallToolAsync("exit_leaving_child", cancellationToken: Timeouts.CallToken);
        Assert.True(exiting.IsError);

        await gateway.WaitForOutputAsync("exited with code 3; processes it started still hold its output open", Timeouts.Call);
        await gateway.WaitReadyAsync(Timeouts.Call);
        // It sleeps for a minute: within a fraction of that only the new upstream is left, if the one left was killed and reaped.
        await Poll.UntilAsync(
            _ => Task.FromResult(ChildrenOf(process1) is [var only] && only != upstream),
            TimeSpan.FromSeconds(10),
            () => $"the gateway's only child is the new upstream (children: {string.Join(", ", ChildrenOf(process1).Select(c => ProcessGroups.GroupOf(c) is null ? $"{c}, a zombie" : $"{c}"))})");
    }

    /// <summary>
    /// <c>serve</c> refuses to start without a stdio upstream's env secret; one that is gone at a later restart is said,
    /// not passed over (before, the upstream started without it without a word).
    /// </summary>
    [Fact]
    public async Task StdioUpstream_RestartedAfterItsEnvSecretFileWasRemoved_SaysItStartsWithoutIt()
    {
        using var dir = new TempDir();
        var secret = dir.File("greeting");
        File.WriteAllText(secret, "hello");
        var connector = TestConfig.FixtureConnector("fixture", ["echo"]);
        connector["upstream"]!["env"] = new JsonObject { ["FIXTURE_GREETING"] = "file:" + secret };
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, TestConfig.Gateway(connector)), dir.File("data"));
        var child = Assert.Single(gateway.ChildProcessIds());

        File.Delete(secret);
        System.Diagnostics.Process.GetProcessById(child).Kill();

        await gateway.WaitForOutputAsync(
            $"Connector fixture: upstream.env.FIXTURE_GREETING (file:{secret}) resolves to nothing now (the file {secret} does not exist); the upstream starts without it",
            Timeouts.Call);
        await gateway.WaitReadyAsync(Timeouts.Call);
    }

    /// <summary>Before, an upstream that never started said <c>restarts: 0</c> and <c>last_error: IOException</c> while it was retried.</summary>
    [Fact]
    public async Task StdioUpstream_ThatNeverStarts_ReadyzCountsEveryFailedStartAndSaysWhy()
    {
        using var dir = new TempDir();
        var connector = TestConfig.FixtureConnector("fixture", ["echo"]);
        // It closes its input first, so the handshake's write may fail on a broken pipe before the exit is seen: the
        // status still says how the process ended, not how the write failed.
        connector["upstream"] = new JsonObject { ["command"] = "sh", ["args"] = new JsonArray("-c", "exec 0<&-; sleep 0.3; exit 3") };
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, TestConfig.Gateway(connector)), dir.File("data"), waitReady: false);
        await gateway.WaitListeningAsync();

        JsonNode? entry = null;
        await Poll.UntilAsync(
            async _ =>
            {
                entry = JsonNode.Parse(await gateway.GetAsync("/readyz"))!["connectors"]?["fixture"];
                return entry?["failed_starts"]?.GetValue<int>() >= 2;
            },
            Timeouts.Call,
            () => $"two failed starts in /readyz ({entry}):\n{gateway.Output}");
        Assert.False(entry!["ready"]!.GetValue<bool>());
        Assert.True(entry["restarts"]!.GetValue<int>() >= 2, entry.ToJsonString());
        Assert.StartsWith("the upstream process exited with code 3", entry["last_error"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    /// <summary>Before, an upstream that stopped answering (here: stopped with SIGSTOP) stayed "ready" while every call to it timed out.</summary>
    [Fact]
    public async Task StdioUpstream_ThatStopsAnswering_IsReportedUnresponsive_AndReadyAgainOnceItAnswers()
    {
        using var dir = new TempDir();
        var connector = TestConfig.FixtureConnector("fixture", ["echo"]);
        connector["upstream"]!["ping_interval_seconds"] = 1;
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, TestConfig.Gateway(connector)), dir.File("data"));
        var child = Assert.Single(gateway.ChildProcessIds());

        await Signals.SendAsync("STOP", child);
        try
        {
            await gateway.WaitForOutputAsync("Connector fixture: upstream unresponsive: no answer to a ping within 1 s", Timeouts.Call);
            var ready = JsonNode.Parse(await gateway.GetAsync("/readyz"))!;
            var entry = ready["connectors"]!["fixture"]!;
            Assert.False(entry["ready"]!.GetValue<bool>());
            Assert.Equal("unresponsive", entry["state"]!.GetValue<string>());
            Assert.Contains("does not answer pings", entry["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        }
        finally
        {
            await Signals.SendAsync("CONT", child);
        }

        await gateway.WaitForOutputAsync("Connector fixture: upstream answers pings again", Timeouts.Call);
        await gateway.WaitReadyAsync(Timeouts.Call);
        Assert.Equal(child, Assert.Single(gateway.ChildProcessIds()));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"));
        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "still here" }, cancellationToken: Timeouts.CallToken);
        Assert.Equal("still here", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
    }

    /// <summary>The gateway as process 1 of a process-id namespace of its own (with its own /proc), as in a container.</summary>
    private static System.Diagnostics.ProcessStartInfo AsProcess1(string configPath, string dataDir)
    {
        var start = new System.Diagnostics.ProcessStartInfo("unshare");
        foreach (var arg in new[] { "--user", "--map-root-user", "--pid", "--fork", "--mount-proc", "--kill-child", "dotnet", RepoPaths.Gateway, "serve", "--config", configPath, "--listen", "http://127.0.0.1:0", "--data-dir", dataDir })
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }

    private static IReadOnlyList<int> ChildrenOf(int pid) =>
        Directory.EnumerateDirectories($"/proc/{pid}/task")
            .Select(task => Path.Combine(task, "children"))
            .Where(File.Exists)
            .SelectMany(file => File.ReadAllText(file).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(child => int.Parse(child, System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
}
