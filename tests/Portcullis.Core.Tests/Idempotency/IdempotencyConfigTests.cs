using Portcullis.Core.Configuration;

namespace Portcullis.Core.Tests.Idempotency;

public sealed class IdempotencyConfigTests : IDisposable
{
    private readonly string _base = Directory.CreateTempSubdirectory("portcullis-idem-config-").FullName;

    public void Dispose() => Directory.Delete(_base, recursive: true);

    [Fact]
    public void Parse_Defaults_SqliteRetention24HoursLease300Seconds()
    {
        var config = ConfigLoader.Parse(Config("{}"), _base, "test.json");

        Assert.Equal("sqlite", config.State.Store);
        Assert.Equal(24, config.Idempotency.RetentionHours);
        Assert.Equal(300, config.Idempotency.LeaseSeconds);
    }

    private static string Config(string idempotency) => $$"""
        {
          "environment": "dev",
          "listen": "http://127.0.0.1:8080",
          "idempotency": {{idempotency}},
          "connectors": [
            { "server": "crm", "environment": "dev", "upstream": { "url": "http://127.0.0.1:9/mcp" },
              "auth": { "mode": "none" }, "tools_allow": ["add_note"] }
          ]
        }
        """;
}
