using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Pins;

/// <summary>
/// A lock file <c>portcullis pin</c> cannot write (its folder is a file here; a read-only mount or a full disk alike) is
/// said as such with exit 2. Before, <c>pin</c> ended with a stack trace and exit 1, the code that means "awaits review".
/// </summary>
public sealed class PinUnwritableLockFileTests
{
    [Fact]
    public async Task Pin_LockFileCannotBeWritten_SaysSoAndExits2()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("locks"), "");
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["echo"]));
        config["pins"] = new System.Text.Json.Nodes.JsonObject { ["file"] = "locks/portcullis.lock.json" };
        var path = TestConfig.Write(dir, config);

        var pin = await PortcullisCli.RunAsync("pin", "--config", path, "--data-dir", dir.File("data"));

        Assert.True(pin.Exit == 2, pin.Output);
        Assert.Contains($"{dir.File("locks")}{Path.DirectorySeparatorChar}portcullis.lock.json cannot be written", pin.Output, StringComparison.Ordinal);
        Assert.Contains("nothing was pinned", pin.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", pin.Output, StringComparison.Ordinal);
        Assert.Equal("", File.ReadAllText(dir.File("locks")));
    }
}
