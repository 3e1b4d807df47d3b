using System.Diagnostics;
using System.Text.RegularExpressions;
using Portcullis.Core.Pins;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Pins;

/// <summary>
/// The <c>--accept</c> command <c>portcullis pin</c> prints is meant to be pasted into a shell: it names the config,
/// data dir and connector the run used (before, only the config, unquoted), so it acts on the same lock file and data.
/// </summary>
public sealed class PinAcceptCommandTests
{
    [Fact]
    public async Task Pin_WithDataDirAndConnector_PrintsAcceptCommandThatPastedIntoAShellActsOnTheSameFiles()
    {
        using var dir = new TempDir();
        // Words a shell would split or expand: the printed command must quote them.
        var configDir = Directory.CreateDirectory(dir.File("my config")).FullName;
        var config = TestConfig.Write(dir, TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["echo"])), Path.Combine("my config", "portcullis.json"));
        var data = dir.File("it's $HOME data");
        var lockPath = Path.Combine(configDir, LockFile.FileName);
        // A lock file without echo's pin: echo is listed as not pinned, awaiting review.
        LockFileWriter.Write(lockPath, new LockFile());

        var pin = await PortcullisCli.RunAsync("pin", "--config", config, "--data-dir", data, "--connector", "fixture");
        Assert.True(pin.Exit == 1, pin.Output);
        Assert.Matches(@"fixture\s+tool\s+echo\s+not pinned", pin.Stdout);
        var accept = pin.Stdout.TrimEnd().Split('\n')[^1].Trim();
        Assert.Matches(
            "^" + Regex.Escape($"portcullis pin --config '{config}' --data-dir '{data.Replace("'", "'\\''", StringComparison.Ordinal)}' --connector fixture --accept echo@sha256:") + "[0-9a-f]{64}$",
            accept);
        Directory.Delete(data, recursive: true);

        // Pasted as printed, from another folder: it pins echo in the same lock file, with the same data dir.
        var (exit, output) = await ShellAsync($"portcullis() {{ dotnet \"$PORTCULLIS_DLL\" \"$@\"; }}\n{accept}", dir.Path);
        Assert.True(exit == 0, output);
        Assert.NotNull(LockFileReader.Read(lockPath).File!.Find("fixture", "echo"));
        Assert.True(Directory.Exists(data), output);
        Assert.False(Directory.Exists(Path.Combine(configDir, ".data")), "the pasted command used the default data dir");
    }

    /// <summary>
    /// Before, <c>--accept echo</c> pinned every connector's echo, although the operator had reviewed one, and whatever
    /// the upstream served by then: the report now prints one command per connector, each name bound to the digest of
    /// the definition listed, and an ambiguous or stale accept is refused.
    /// </summary>
    [Fact]
    public async Task Pin_TheSameNameAwaitsReviewInTwoConnectors_AcceptedOneConnectorAtATime()
    {
        using var dir = new TempDir();
        var config = TestConfig.Write(dir, TestConfig.Gateway(TestConfig.FixtureConnector("one", ["echo"]), TestConfig.FixtureConnector("two", ["echo"])));
        var lockPath = Path.Combine(Path.GetDirectoryName(config)!, LockFile.FileName);
        LockFileWriter.Write(lockPath, new LockFile());

        var report = await PortcullisCli.RunAsync("pin", "--config", config);
        Assert.True(report.Exit == 1, report.Output);
        var commands = report.Stdout.TrimEnd().Split('\n')[^2..].Select(l => l.Trim()).ToList();
        Assert.Equal(2, commands.Count);
        Assert.Matches("^" + Regex.Escape($"portcullis pin --config {PosixQuoted(config)} --connector one --accept echo@sha256:") + "[0-9a-f]{64}$", commands[0]);
        Assert.Matches("^" + Regex.Escape($"portcullis pin --config {PosixQuoted(config)} --connector two --accept echo@sha256:") + "[0-9a-f]{64}$", commands[1]);
        var reviewed = commands[0][(commands[0].LastIndexOf(' ') + 1)..];

        var ambiguous = await PortcullisCli.RunAsync("pin", "--config", config, "--accept", "echo");
        Assert.True(ambiguous.Exit == 2, ambiguous.Output);
        Assert.Contains("awaiting review in 2 connectors (one, two)", ambiguous.Output);
        Assert.Null(LockFileReader.Read(lockPath).File!.Find("one", "echo"));

        // Bound to a digest the upstream no longer serves (it changed the tool after the report): refused, nothing written.
        var stale = await PortcullisCli.RunAsync("pin", "--config", config, "--connector", "one", "--accept", "echo@sha256:" + new string('0', 64));
        Assert.True(stale.Exit == 2, stale.Output);
        Assert.Contains("no longer the one reviewed", stale.Output);
        Assert.Null(LockFileReader.Read(lockPath).File!.Find("one", "echo"));

        // The digest cut short in a copy: before, "no definition is called echo@sha256:…", which sent the operator
        // looking for the wrong mistake; now the digest is named, and nothing is written.
        var cut = await PortcullisCli.RunAsync("pin", "--config", config, "--connector", "one", "--accept", reviewed[..^2]);
        Assert.True(cut.Exit == 2, cut.Output);
        Assert.Contains("the digest after @sha256: must be 64 lowercase hex digits", cut.Output);
        Assert.Contains("(this one has 62 character(s))", cut.Output);
        Assert.DoesNotContain("no allowed upstream definition is called", cut.Output);
        Assert.Null(LockFileReader.Read(lockPath).File!.Find("one", "echo"));
        var upper = await PortcullisCli.RunAsync("pin", "--config", config, "--connector", "one", "--accept", "echo@sha256:" + reviewed[^64..].ToUpperInvariant());
        Assert.True(upper.Exit == 2, upper.Output);
        Assert.Contains("(this one has a character that is not 0-9 or a-f)", upper.Output);

        var one = await PortcullisCli.RunAsync("pin", "--config", config, "--connector", "one", "--accept", reviewed);
        Assert.True(one.Exit == 0, one.Output);
        var pins = LockFileReader.Read(lockPath).File!;
        Assert.NotNull(pins.Find("one", "echo"));
        Assert.Null(pins.Find("two", "echo"));
    }

    private static string PosixQuoted(string path) => path.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '/') ? path : $"'{path}'";

    private static async Task<(int Exit, string Output)> ShellAsync(string script, string workingDirectory)
    {
        var start = new ProcessStartInfo("sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        start.Environment["PORTCULLIS_DLL"] = RepoPaths.Gateway;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(Timeouts.Exit);
        return (process.ExitCode, await stdout.WaitAsync(Timeouts.Exit) + await stderr.WaitAsync(Timeouts.Exit));
    }
}
