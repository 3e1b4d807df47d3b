using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Gateway;

/// <summary>
/// The stores and the audit trail write to the data dir on every call: nothing in the gateway may watch that folder,
/// or each of those writes wakes a thread to read the change events.
/// </summary>
public sealed class DataDirWatchTests
{
    [Fact]
    public async Task Serve_WithTheAdminPlane_PutsNoFileWatchOnTheDataDir()
    {
        using var dir = new TempDir();
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["echo"]));
        config["identity"] = new JsonObject { ["dev"] = true };
        var path = TestConfig.Write(dir, config);
        await using var gateway = await GatewayProcess.StartAsync(path, dir.File("data"), extraArgs: AdminPlane.ServeArgs);
        await AdminPlane.OfAsync(gateway);
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"));
        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "written" }, cancellationToken: Timeouts.CallToken);
        Assert.Equal("written", Assert.IsType<TextContentBlock>(Assert.Single(echo.Content)).Text);

        var watched = WatchedInodes(gateway.ProcessId);
        // The pin lock file's folder (beside the config) is watched on purpose: the check sees real watches.
        Assert.Contains(await InodeAsync(dir.Path), watched);
        Assert.DoesNotContain(await InodeAsync(dir.File("data")), watched);
    }

    /// <summary>The inode of every folder or file an inotify instance of the process watches.</summary>
    private static HashSet<long> WatchedInodes(int pid)
    {
        var inodes = new HashSet<long>();
        foreach (var fd in Directory.EnumerateFiles($"/proc/{pid}/fd"))
        {
            if (new FileInfo(fd).LinkTarget != "anon_inode:inotify")
            {
                continue;
            }

            foreach (var line in File.ReadLines($"/proc/{pid}/fdinfo/{Path.GetFileName(fd)}"))
            {
                var at = line.IndexOf(" ino:", StringComparison.Ordinal);
                if (line.StartsWith("inotify ", StringComparison.Ordinal) && at >= 0)
                {
                    var hex = line[(at + 5)..].Split(' ')[0];
                    inodes.Add(long.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                }
            }
        }

        return inodes;
    }

    private static async Task<long> InodeAsync(string path)
    {
        using var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%i", path]) { RedirectStandardOutput = true })!;
        var output = await stat.StandardOutput.ReadToEndAsync().WaitAsync(Timeouts.Exit);
        await stat.WaitForExitAsync().WaitAsync(Timeouts.Exit);
        return long.Parse(output.Trim(), CultureInfo.InvariantCulture);
    }
}
