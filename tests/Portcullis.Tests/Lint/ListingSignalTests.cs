using System.Globalization;
using System.Text.Json.Nodes;
using Portcullis.Core.Pins;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Lint;

/// <summary>
/// A signal while <c>lint</c> or <c>pin</c> lists the upstreams. Before, it ended the command at once (exit 143), and a
/// stdio upstream that ignores its standard input closing, in a session of its own, ran on behind it.
/// </summary>
public sealed class ListingSignalTests
{
    [Theory]
    [InlineData("pin", "TERM", 143)]
    [InlineData("pin", "INT", 130)]
    [InlineData("lint", "TERM", 143)]
    [InlineData("lint", "HUP", 129)]
    public async Task Signal_WhileListing_StopsTheUpstreamWritesNothingAndExitsWithTheSignalsCode(string verb, string signal, int expected)
    {
        using var dir = new TempDir();
        var pidFile = dir.File("upstream.pid");
        // Slow to list (it never answers), deaf to SIGHUP and to its input closing: only a kill ends it.
        var script = dir.File("deaf-upstream.sh");
        File.WriteAllText(script, "trap '' HUP\necho $$ > \"$1\"\nexec sleep 300\n");
        var connector = TestConfig.FixtureConnector("slow", ["echo"]);
        connector["upstream"] = new JsonObject { ["command"] = "sh", ["args"] = new JsonArray(script, pidFile), ["connect_timeout_seconds"] = 120 };
        var config = TestConfig.Write(dir, TestConfig.Gateway(connector));
        var lockPath = dir.File(LockFile.FileName);
        LockFileWriter.Write(lockPath, new LockFile());
        var before = File.ReadAllBytes(lockPath);

        using var command = PortcullisCli.Start(verb, "--config", config, "--data-dir", dir.File("data"));
        var upstream = 0;
        try
        {
            await Poll.UntilAsync(() => File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile), CultureInfo.InvariantCulture, out upstream), Timeouts.Startup, "the upstream to be started");
            await Signals.SendAsync(signal, command.Id);
            var (exit, _, output) = await PortcullisCli.FinishAsync(command);

            Assert.True(exit == expected, output);
            Assert.Contains($"Stopped by SIG{signal}: the upstreams it started were stopped", output, StringComparison.Ordinal);
            await Poll.UntilAsync(() => !Directory.Exists($"/proc/{upstream}"), Timeouts.Exit, "the upstream to be stopped");
            Assert.Equal(before, File.ReadAllBytes(lockPath));
            Assert.Equal([LockFile.FileName], Directory.EnumerateFiles(dir.Path, "portcullis.lock.json*").Select(Path.GetFileName));
            using var turn = await LockFileTurn.TakeAsync(lockPath, TimeSpan.Zero, TimeProvider.System, Timeouts.CallToken);
            Assert.NotNull(turn);
        }
        finally
        {
            if (!command.HasExited)
            {
                command.Kill(entireProcessTree: true);
            }

            // On the old code the upstream outlives the command: not left behind by the test.
            if (upstream != 0 && Directory.Exists($"/proc/{upstream}"))
            {
                await Signals.SendAsync("KILL", upstream);
            }
        }
    }
}
