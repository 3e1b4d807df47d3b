using System.Text;
using Portcullis.Core.Pins;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Pins;

/// <summary>
/// A lock file is read as the config file is: bytes that are not UTF-8 are named as such, at their line, and only a
/// regular file of at most 16 MiB is read.
/// </summary>
public sealed class LockFileEncodingTests
{
    /// <summary>
    /// Before, the lock file was decoded with U+FFFD in place of each byte that is not UTF-8: a lock file saved in another
    /// encoding was "not valid JSON at line 1", or read with its text changed, with no word about the encoding.
    /// </summary>
    [Fact]
    public async Task LockFileNotUtf8_ServeAndPinRefuseNamingTheLine()
    {
        using var dir = new TempDir();
        var config = TestConfig.Write(dir, TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["echo"])));
        var latin1 = Encoding.Latin1.GetBytes("{\n  \"version\": 1,\n  \"connectors\": {\"fixture\": {\"tools\": {}}}, \"note\": \"r\u00e9vis\u00e9\"\n}\n");
        File.WriteAllBytes(dir.File(LockFile.FileName), latin1);

        var served = await PortcullisCli.RunAsync("serve", "--config", config, "--data-dir", dir.File("data"), "--listen", "http://127.0.0.1:0");
        var pinned = await PortcullisCli.RunAsync("pin", "--config", config, "--data-dir", dir.File("data"));

        Assert.True(served.Exit == 2, served.Output);
        Assert.Contains("the lock file cannot be used", served.Output, StringComparison.Ordinal);
        Assert.Contains("is not UTF-8 text: line 3 holds a byte sequence that is not UTF-8", served.Output, StringComparison.Ordinal);
        Assert.True(pinned.Exit == 2, pinned.Output);
        Assert.Contains("is not UTF-8 text: line 3", pinned.Output, StringComparison.Ordinal);
        Assert.Equal(latin1, File.ReadAllBytes(dir.File(LockFile.FileName)));
    }

    /// <summary>
    /// Before, the lock file was read whole with <c>File.ReadAllBytes</c>: <c>/dev/zero</c> as <c>pins.file</c> grew the
    /// gateway's memory on a thread left reading it, a FIFO held a thread until something wrote to it (each answered only
    /// after 5 s), and a huge file was read into memory whole and then refused as JSON that does not parse. Each is now
    /// refused as the config file is, naming the path, without being opened or read past 16 MiB.
    /// </summary>
    [Theory]
    [InlineData("device", "is not a regular file (a FIFO, a device or a socket): give the path of the lock file itself")]
    [InlineData("fifo", "is not a regular file (a FIFO, a device or a socket): give the path of the lock file itself")]
    [InlineData("huge", "is larger than 16 MiB, far more than a lock file holds: is it the lock file?")]
    public async Task LockFileNotARegularFileOrHuge_ServeAndPinRefuseNamingIt(string kind, string problem)
    {
        using var dir = new TempDir();
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["echo"]));
        var path = kind == "device" ? "/dev/zero" : dir.File(LockFile.FileName);
        config["pins"] = new System.Text.Json.Nodes.JsonObject { ["file"] = path };
        var configPath = TestConfig.Write(dir, config);
        await MakeAsync(kind, path);

        var served = await PortcullisCli.RunAsync("serve", "--config", configPath, "--data-dir", dir.File("data"), "--listen", "http://127.0.0.1:0");
        var pinned = await PortcullisCli.RunAsync("pin", "--config", configPath, "--data-dir", dir.File("data"));

        Assert.True(served.Exit == 2, served.Output);
        Assert.Contains("the lock file cannot be used", served.Output, StringComparison.Ordinal);
        Assert.Contains($"'{path}' {problem}", served.Output.Replace("the file '", "'", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.True(pinned.Exit == 2, pinned.Output);
        Assert.Contains($"'{path}' {problem}", pinned.Output.Replace("the file '", "'", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    /// <summary>
    /// A running gateway reloads its lock file when it changes; one replaced by a huge file was read into memory whole.
    /// It is now refused as at start, naming the path (event 1605), and the pins in force stay in force.
    /// </summary>
    [Fact]
    public async Task LockFileReplacedByAHugeFile_ReloadRefusedNamingIt_PreviousPinsStay()
    {
        using var dir = new TempDir();
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["echo"]));
        var configPath = TestConfig.Write(dir, config);
        var pinned = await PortcullisCli.RunAsync("pin", "--config", configPath, "--data-dir", dir.File("data"));
        Assert.True(pinned.Exit == 0, pinned.Output);
        await using var gateway = await GatewayProcess.StartAsync(configPath, dir.File("data"));

        var lockPath = dir.File(LockFile.FileName);
        var huge = dir.File("huge.json");
        await MakeAsync("huge", huge);
        File.Move(huge, lockPath, overwrite: true);

        await gateway.WaitForOutputAsync($"The lock file {lockPath} cannot be used ($: the file '{lockPath}' is larger than 16 MiB, far more than a lock file holds: is it the lock file?); the previous pins stay in force", Timeouts.Call);
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture")).Within();
        Assert.Contains(await client.ListToolsAsync(cancellationToken: Timeouts.CallToken), t => t.Name == "echo");
    }

    /// <summary>Makes a FIFO at <paramref name="path"/>, or a sparse file of 64 MiB whose first bytes are a lock file; leaves a device as it is.</summary>
    private static async Task MakeAsync(string kind, string path)
    {
        if (kind == "fifo")
        {
            await SpecialFiles.MakeFifoAsync(path);
        }
        else if (kind == "huge")
        {
            SpecialFiles.MakeHuge(path, Encoding.UTF8.GetBytes("{\"version\": 1, \"connectors\": {}}\n"));
        }
    }
}
