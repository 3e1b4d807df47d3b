using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Logging;

/// <summary>What the log says of an upstream's address and secrets: a URL without its credential (user info, an API key in the query), a reference that resolves to nothing by name.</summary>
public sealed class UpstreamUrlLogTests
{
    /// <summary>Before, the whole URL was logged, and again on every failed connection attempt (event 1002).</summary>
    [Fact]
    public async Task UpstreamUnreachable_TheLogNamesItsUrlWithoutUserInfoOrQuery()
    {
        using var dir = new TempDir();
        var connector = TestConfig.HttpConnector("remote", "http://gw-user:pw-s3cret@127.0.0.1:9/mcp?api_key=k-s3cret#frag", ["echo"]);
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, TestConfig.Gateway(connector)), dir.File("data"), waitReady: false);

        await gateway.WaitForOutputAsync("Connector remote: upstream unavailable (http://127.0.0.1:9/mcp?…)", Timeouts.Startup);

        Assert.DoesNotContain("s3cret", gateway.Output, StringComparison.Ordinal);
    }

    /// <summary>Before, an <c>env:</c> or <c>file:</c> reference in <c>upstream.env</c> that resolved to nothing started the child with an empty variable, silently.</summary>
    [Fact]
    public async Task StdioUpstreamEnvReferenceResolvesToNothing_TheStartFailsNamingIt()
    {
        using var dir = new TempDir();
        var connector = TestConfig.FixtureConnector("fx", ["echo"]);
        connector["upstream"]!["env"] = new System.Text.Json.Nodes.JsonObject { ["API_KEY"] = "env:PORTCULLIS_TEST_NEVER_SET" };
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, TestConfig.Gateway(connector)), dir.File("data"), waitReady: false);

        await gateway.WaitForOutputAsync("the secret for upstream env 'API_KEY' (env:PORTCULLIS_TEST_NEVER_SET) is not available", Timeouts.Startup);
    }
}
