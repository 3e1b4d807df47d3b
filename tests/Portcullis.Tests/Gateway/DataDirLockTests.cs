using ModelContextProtocol.Protocol;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Gateway;

/// <summary>One gateway per data dir: a second one on the same folder refuses to start, naming the first.</summary>
public sealed class DataDirLockTests
{
    [Fact]
    public async Task Serve_SecondGatewayOnALockedDataDir_RefusesNamingTheHolderAndNeverListens()
    {
        using var dir = new TempDir();
        var path = TestConfig.Write(dir, TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["echo"])));
        await using var first = await GatewayProcess.StartAsync(path, dir.File("data"));

        await using var second = await GatewayProcess.StartAsync(path, dir.File("data"), waitReady: false);
        var exit = await second.WaitForExitAsync(Timeouts.Exit);

        Assert.Equal(2, exit);
        Assert.Contains($"is in use by another gateway (pid {first.ProcessId}, listening on {first.BaseUrl}", second.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Portcullis is listening", second.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Application started", second.Output, StringComparison.Ordinal);
        await using var client = await McpClients.ConnectAsync(first.Endpoint("fixture"));
        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "still mine" }, cancellationToken: Timeouts.CallToken);
        Assert.Equal("still mine", Assert.IsType<TextContentBlock>(Assert.Single(echo.Content)).Text);
    }
}
