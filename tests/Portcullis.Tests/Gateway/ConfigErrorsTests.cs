using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Gateway;

public sealed class ConfigErrorsTests
{
    [Fact]
    public async Task Serve_ConfigWithSeveralMistakes_ReportsAllOfThemAndExits()
    {
        using var dir = new TempDir();
        var path = dir.File("bad.json");
        File.WriteAllText(path, """
            {
              "environment": "test",
              "listen": "http://127.0.0.1:1",
              "state": { "store": "mongo" },
              "idempotency": { "retention_hours": 0 },
              "connectors": [
                {
                  "server": "crm",
                  "environment": "test",
                  "upstream": { "command": "dotnet" },
                  "auth": { "mode": "none" },
                  "tool_allow": ["find_contact"],
                  "tools_allow": ["find_contact"]
                },
                { "server": "crm", "environment": "test", "upstream": { "command": "x", "url": "http://a" }, "tools_allow": [] }
              ]
            }
            """);

        await using var gateway = await GatewayProcess.StartAsync(path, dir.File("data"), waitReady: false);
        var exit = await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, exit);
        var output = gateway.Output;
        Assert.Contains("$.state.store", output, StringComparison.Ordinal);
        Assert.Contains("$.idempotency.retention_hours", output, StringComparison.Ordinal);
        Assert.Contains("$.connectors[0].tool_allow", output, StringComparison.Ordinal);
        Assert.Contains("$.connectors[1].upstream", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// A stdio upstream's env secret that resolves to nothing stops <c>serve</c> before anything starts (before, the
    /// upstream started without it, without a word), and a FIFO given as a secret file is refused, not waited on.
    /// </summary>
    [Fact]
    public async Task Serve_StdioEnvSecretsThatResolveToNothing_ExitsNamingEach()
    {
        using var dir = new TempDir();
        await SpecialFiles.MakeFifoAsync(dir.File("fifo"));

        var connector = TestConfig.FixtureConnector("fixture", ["echo"]);
        connector["upstream"]!["env"] = new System.Text.Json.Nodes.JsonObject
        {
            ["CRM_TOKEN"] = "env:PORTCULLIS_TEST_NEVER_SET_7C3",
            ["CRM_KEY"] = "file:" + dir.File("fifo"),
        };

        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, TestConfig.Gateway(connector)), dir.File("data"), waitReady: false);
        var exit = await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, exit);
        Assert.Contains("$.connectors[0].upstream.env.CRM_TOKEN: env:PORTCULLIS_TEST_NEVER_SET_7C3 resolves to nothing", gateway.Output, StringComparison.Ordinal);
        Assert.Contains("$.connectors[0].upstream.env.CRM_KEY", gateway.Output, StringComparison.Ordinal);
        Assert.Contains("is not a regular file", gateway.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Before, a connection string its driver could not read stopped the start with "Unhandled exception" and a stack
    /// trace (and <c>unix:/path</c> alone, a documented form, did too). It is a config error now, which never repeats the string.
    /// </summary>
    [Theory]
    [InlineData("redis", "127.0.0.1:6379,password=s3cret,no_such_keyword=1", "StackExchange.Redis configuration")]
    [InlineData("postgres", "Host=127.0.0.1;Password=s3cret;No Such Keyword=1", "Npgsql connection")]
    public async Task Serve_ConnectionStringTheDriverCannotRead_ExitsTwoWithoutRepeatingIt(string store, string connection, string kind)
    {
        using var dir = new TempDir();
        await using var gateway = await StartWithStateConnectionAsync(dir, store, connection);
        var exit = await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(exit == 2, gateway.Output);
        Assert.Contains($"$.state.connection: file:state-connection is not a {kind} string", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", gateway.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Before, a Redis string whose only server the driver could not read ("h:notaport", a password alone) passed the
    /// start-up check, and the gateway waited for no server at all.
    /// </summary>
    [Theory]
    [InlineData("h:notaport,password=s3cret")]
    [InlineData("password=s3cret")]
    public async Task Serve_RedisConnectionStringNamingNoServer_ExitsTwoWithoutRepeatingIt(string connection)
    {
        using var dir = new TempDir();
        await using var gateway = await StartWithStateConnectionAsync(dir, "redis", connection);
        var exit = await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(exit == 2, gateway.Output);
        Assert.Contains("$.state.connection: file:state-connection names no Redis server it can read", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", gateway.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Before, the driver skipped a server entry it could not read beside one it could, and a string naming no PostgreSQL
    /// host passed the start-up check and failed on every use of the store.
    /// </summary>
    [Theory]
    [InlineData("redis", "127.0.0.1:1,s3cret-host:notaport,password=s3cret", "has a server entry the driver cannot read (server entry 2,")]
    [InlineData("postgres", "Username=portcullis;Password=s3cret", "names no PostgreSQL server: give Host=")]
    [InlineData("postgres", "Host= ;Password=s3cret", "names no PostgreSQL server: give Host=")]
    public async Task Serve_ConnectionStringWithAServerTheDriverCannotUse_ExitsTwoWithoutRepeatingIt(string store, string connection, string told)
    {
        using var dir = new TempDir();
        await using var gateway = await StartWithStateConnectionAsync(dir, store, connection);
        var exit = await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(exit == 2, gateway.Output);
        Assert.Contains($"$.state.connection: file:state-connection {told}", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", gateway.Output, StringComparison.Ordinal);
    }

    /// <summary>A gateway on <paramref name="store"/> whose <c>state.connection</c> is <paramref name="connection"/>, read from a file.</summary>
    private static Task<GatewayProcess> StartWithStateConnectionAsync(TempDir dir, string store, string connection)
    {
        File.WriteAllText(dir.File("state-connection"), connection);
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fx", ["echo"]));
        config["state"] = new System.Text.Json.Nodes.JsonObject { ["store"] = store, ["connection"] = "file:state-connection" };
        config["audit"] = new System.Text.Json.Nodes.JsonObject { ["sink"] = "jsonl" };
        config["replica"] = new System.Text.Json.Nodes.JsonObject { ["id"] = "replica-0", ["advertise_url"] = "http://127.0.0.1:0" };
        return GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"), waitReady: false);
    }
}
