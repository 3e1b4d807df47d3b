using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Idempotency;

/// <summary>One gateway shared by the idempotency tests that need no restart: the CRM and the fixture upstream.</summary>
public sealed class IdempotencyGateway : IAsyncLifetime
{
    private readonly TempDir _dir = new();

    internal GatewayProcess Gateway { get; private set; } = null!;

    public string RecordPath => _dir.File("calls.jsonl");

    public async Task InitializeAsync()
    {
        var config = TestConfig.Gateway(
            TestConfig.CrmConnector(),
            TestConfig.FixtureConnector("fixture", ["record", "record_all", "slow", "echo"], RecordPath));
        Gateway = await GatewayProcess.StartAsync(TestConfig.Write(_dir, config), _dir.File("data"));
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        _dir.Dispose();
    }
}
