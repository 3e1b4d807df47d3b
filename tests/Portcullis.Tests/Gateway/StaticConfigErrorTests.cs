using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Gateway;

public sealed class StaticConfigErrorTests
{
    [Theory]
    [InlineData("""{ "environment": "test", "listen": "LISTEN", "connectors": [], "unknown_key": 1 }""", "$.unknown_key")]
    [InlineData("""{ "environment": "test", "listen": "LISTEN", "connectors": [{ "server": "a", "environment": "prod", "upstream": { "command": "x" }, "auth": { "mode": "none" }, "tools_allow": [] }] }""", "$.connectors[0].environment")]
    public async Task Serve_ConfigWithAStaticError_ExitsWithoutEverListening(string config, string path)
    {
        using var dir = new TempDir();
        var file = dir.File("portcullis.json");
        File.WriteAllText(file, config.Replace("LISTEN", "http://127.0.0.1:0", StringComparison.Ordinal));

        await using var gateway = await GatewayProcess.StartAsync(file, dir.File("data"), waitReady: false);
        var exit = await gateway.WaitForExitAsync(Timeouts.Startup);

        Assert.Equal(2, exit);
        Assert.Contains(path, gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Now listening", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Application started", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Portcullis is listening", gateway.Output, StringComparison.Ordinal);
    }
}
