using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Idempotency;

/// <summary>Idempotency records outlive the gateway process: a restart replays, a kill mid-call is never repeated.</summary>
public sealed class IdempotencyRestartTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task AddNote_AfterGatewayRestart_ReplaysIdentically()
    {
        using var dir = new TempDir();
        var config = TestConfig.Gateway(TestConfig.CrmConnector());
        var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        var body = IdempotentWriteTests.Unique("restart");
        var key = IdempotentWriteTests.Unique("key");
        ModelContextProtocol.Protocol.CallToolResult first;
        await using (var client = await McpClients.ConnectAsync(gateway.Endpoint("crm")))
        {
            first = await client.CallToolAsync("add_note", IdempotentWriteTests.Note(body, key)).AsTask().WaitAsync(Timeout);
        }

        await gateway.DisposeAsync();
        await using var restarted = await gateway.RestartAsync();
        await using var again = await McpClients.ConnectAsync(restarted.Endpoint("crm"));
        var second = await again.CallToolAsync("add_note", IdempotentWriteTests.Note(body, key)).AsTask().WaitAsync(Timeout);

        Assert.NotEqual(true, first.IsError);
        Assert.Equal(Witness.Payload(first), Witness.Payload(second));
        Assert.True(second.Meta!["portcullis/replay"]!.GetValue<bool>());
        Assert.Equal(1, Witness.NotesWithBody(restarted.DataDir, body));
    }

    [Fact]
    public async Task Write_InFlightWhenGatewayIsKilled_AnswersOutcomeUnknownAndIsNeverRepeated()
    {
        using var dir = new TempDir();
        var record = dir.File("calls.jsonl");
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["slow"], record));
        var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        var note = IdempotentWriteTests.Unique("killed");
        var arguments = new Dictionary<string, object?> { ["seconds"] = 120, ["note"] = note, ["idempotency_key"] = IdempotentWriteTests.Unique("key") };
        var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"));
        var inFlight = client.CallToolAsync("slow", arguments).AsTask();
        await WaitUntilAsync(() => Witness.Recorded(record, "slow", note).Count == 1);

        await gateway.KillAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => inFlight.WaitAsync(Timeout));
        await client.DisposeAsync();
        await gateway.DisposeAsync();
        await using var restarted = await gateway.RestartAsync();
        await using var again = await McpClients.ConnectAsync(restarted.Endpoint("fixture"));
        var repeat = await again.CallToolAsync("slow", arguments).AsTask().WaitAsync(Timeout);
        var repeatAgain = await again.CallToolAsync("slow", arguments).AsTask().WaitAsync(Timeout);

        Assert.Equal("idempotency_outcome_unknown", Witness.ErrorCode(repeat));
        Assert.False(Witness.Error(repeat)["retryable"]!.GetValue<bool>());
        Assert.Equal("idempotency_outcome_unknown", Witness.ErrorCode(repeatAgain));
        Assert.Single(Witness.Recorded(record, "slow", note));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var cts = new CancellationTokenSource(Timeout);
        while (!condition())
        {
            await Task.Delay(50, cts.Token);
        }
    }
}
