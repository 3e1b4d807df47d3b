using System.Text;
using Portcullis.Core.Pins;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Pins;

/// <summary>A lock file is read as the config file is: bytes that are not UTF-8 are named as such, at their line.</summary>
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
}
