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
}
