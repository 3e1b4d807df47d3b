using System.Diagnostics;
using Portcullis.Core.Pins;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Pins;

/// <summary>
/// A lock file mounted from a Kubernetes ConfigMap or Secret is a symlink through <c>..data</c>, and an update swaps
/// that link (a rename of <c>..data_tmp</c>), never touching a file of the lock file's name: the watcher, which looked
/// only at that name, missed every update, and an accepted tool stayed withheld until a restart.
/// </summary>
public sealed class MountedLockFileTests
{
    /// <summary>
    /// A volume mounted at the lock file's own path (a ConfigMap mounted whole instead of by its key) is a folder there.
    /// Before, it was read as no lock file: the gateway served every tool with pins off, without a word.
    /// </summary>
    [Fact]
    public async Task LockFilePathIsAFolder_ServeAndPinRefuseNamingIt()
    {
        using var dir = new TempDir();
        var config = TestConfig.Write(dir, TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["echo"])));
        Directory.CreateDirectory(Path.Combine(dir.File(LockFile.FileName), LockFile.FileName));

        var served = await PortcullisCli.RunAsync("serve", "--config", config, "--data-dir", dir.File("data"), "--listen", "http://127.0.0.1:0");
        var pinned = await PortcullisCli.RunAsync("pin", "--config", config, "--data-dir", dir.File("data"));

        Assert.True(served.Exit == 2, served.Output);
        Assert.Contains("the lock file cannot be used", served.Output, StringComparison.Ordinal);
        Assert.Contains("is a folder, not a lock file", served.Output, StringComparison.Ordinal);
        Assert.True(pinned.Exit == 2, pinned.Output);
        Assert.Contains("is a folder, not a lock file", pinned.Output, StringComparison.Ordinal);
        Assert.True(Directory.Exists(dir.File(LockFile.FileName)));
    }

    [Fact]
    public async Task LockFileMountedThroughDataLink_LinkSwapped_PinsReloadedWithoutRestart()
    {
        using var dir = new TempDir();
        var mount = Directory.CreateDirectory(dir.File("config")).FullName;
        var config = TestConfig.Write(dir, TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["echo"])), Path.Combine("config", "portcullis.json"));
        // The layout the kubelet writes: the files in a dated folder, ..data pointing at it, each name pointing into ..data.
        LockFileWriter.Write(Path.Combine(Directory.CreateDirectory(Path.Combine(mount, "..v1")).FullName, LockFile.FileName), new LockFile());
        File.CreateSymbolicLink(Path.Combine(mount, "..data"), "..v1");
        File.CreateSymbolicLink(Path.Combine(mount, LockFile.FileName), Path.Combine("..data", LockFile.FileName));
        await using var gateway = await GatewayProcess.StartAsync(config, dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"));
        Assert.DoesNotContain("echo", (await client.ListToolsAsync(cancellationToken: Timeouts.CallToken)).Select(t => t.Name));

        // The update: a new dated folder with echo pinned, then ..data swapped to it in one rename.
        var pins = await FixturePins.LiveAsync("fixture", "echo");
        LockFileWriter.Write(Path.Combine(Directory.CreateDirectory(Path.Combine(mount, "..v2")).FullName, LockFile.FileName), pins);
        File.CreateSymbolicLink(Path.Combine(mount, "..data_tmp"), "..v2");
        await RenameAsync(Path.Combine(mount, "..data_tmp"), Path.Combine(mount, "..data"));

        await gateway.WaitForOutputAsync("Pins reloaded from", Timeouts.Call);
        await Poll.UntilAsync(
            async ct => (await client.ListToolsAsync(cancellationToken: ct)).Any(t => t.Name == "echo"),
            Timeouts.Call,
            () => $"echo to be served:\n{gateway.Output}");
    }

    /// <summary><c>mv -T</c>: rename(2) of the link itself over the old one, as the kubelet swaps it.</summary>
    private static async Task RenameAsync(string from, string to)
    {
        using var move = Process.Start("mv", ["-T", from, to]);
        await move.WaitForExitAsync().WaitAsync(Timeouts.Exit);
        Assert.Equal(0, move.ExitCode);
    }
}
