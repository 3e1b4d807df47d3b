using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Gateway;

/// <summary>A listen address another process holds stops the start with a clear message and exit code 2, never a stack trace.</summary>
public sealed class ListenAddressInUseTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Serve_ListenOrAdminAddressInUse_ExitsTwoNamingTheAddress_NoStackTrace(bool admin)
    {
        using var dir = new TempDir();
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["echo"]));
        config["identity"] = new JsonObject { ["dev"] = true };
        var path = TestConfig.Write(dir, config);

        await using var gateway = admin
            ? await GatewayProcess.StartAsync(path, dir.File("data"), waitReady: false, extraArgs: ["--admin-listen", $"http://127.0.0.1:{port}"])
            : await GatewayProcess.StartAsync(path, dir.File("data"), waitReady: false, port: port);
        var exit = await gateway.WaitForExitAsync(Timeouts.Exit);

        Assert.True(exit == 2, gateway.Output);
        Assert.True(gateway.Output.Contains($"Cannot listen: Failed to bind to address http://127.0.0.1:{port}", StringComparison.Ordinal), gateway.Output);
        Assert.DoesNotContain("Unhandled exception", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", gateway.Output, StringComparison.Ordinal);
        // The host's own lines for its background services, cancelled as it is disposed, read as a crash: none.
        Assert.DoesNotContain("BackgroundService failed", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("crit:", gateway.Output, StringComparison.Ordinal);
        Assert.True(gateway.Output.Split("Hosting failed to start").Length <= 2, gateway.Output);
        Assert.Contains(admin ? "admin.listen or --admin-listen" : "listen or --listen", gateway.Output, StringComparison.Ordinal);
    }
}
