using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Logging;

/// <summary>An upstream's URL may carry its credential (an API key in the query): the log names it without.</summary>
public sealed class UpstreamUrlLogTests
{
    /// <summary>Before, the whole URL was logged, and again on every failed connection attempt (event 1002).</summary>
    [Fact]
    public async Task UpstreamUnreachable_TheLogNamesItsUrlWithoutQuery()
    {
        using var dir = new TempDir();
        var connector = TestConfig.HttpConnector("remote", "http://127.0.0.1:9/mcp?api_key=k-s3cret#frag", ["echo"]);
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, TestConfig.Gateway(connector)), dir.File("data"), waitReady: false);

        await gateway.WaitForOutputAsync("Connector remote: upstream unavailable (http://127.0.0.1:9/mcp?…)", Timeouts.Startup);

        Assert.DoesNotContain("s3cret", gateway.Output, StringComparison.Ordinal);
    }
}
