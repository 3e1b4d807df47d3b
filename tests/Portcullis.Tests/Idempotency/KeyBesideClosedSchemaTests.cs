using Portcullis.Tests.Infrastructure;
using static Portcullis.Tests.Errors.ErrorAssertions;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Portcullis.Tests.Idempotency;

/// <summary>
/// A write whose upstream schema is closed in a subschema (an <c>allOf</c> entry with <c>additionalProperties: false</c>)
/// and does not declare the key, which the gateway strips before sending. Before, the arguments were judged with the key
/// in them, so every call was refused: "'idempotency_key' is not an accepted property", a write no agent could make.
/// </summary>
public sealed class KeyBesideClosedSchemaTests
{
    [Fact]
    public async Task CallTool_UpstreamSchemaClosedInASubschema_TakesTheKeyAndStillRefusesOtherMembers()
    {
        using var dir = new TempDir();
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["closed_write"]));
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"));

        var fine = await client.CallToolAsync("closed_write", new Dictionary<string, object?> { ["note"] = "n", ["idempotency_key"] = "k-closed" }, cancellationToken: Timeouts.CallToken);
        Assert.Equal("called closed_write", Assert.IsType<TextContentBlock>(Assert.Single(fine.Content)).Text);

        var extra = await client.CallToolAsync("closed_write", new Dictionary<string, object?> { ["note"] = "n", ["x"] = 1, ["idempotency_key"] = "k-extra" }, cancellationToken: Timeouts.CallToken);
        var detail = Assert.Single(AssertError(extra, "invalid_arguments", retryable: false)["details"]!.AsArray())!;
        Assert.Equal(("/x", "additionalProperties"), (detail["path"]!.GetValue<string>(), detail["keyword"]!.GetValue<string>()));

        var badKey = await client.CallToolAsync("closed_write", new Dictionary<string, object?> { ["note"] = "n", ["idempotency_key"] = new string('k', 256) }, cancellationToken: Timeouts.CallToken);
        detail = Assert.Single(AssertError(badKey, "invalid_arguments", retryable: false)["details"]!.AsArray())!;
        Assert.Equal(("/idempotency_key", "maxLength"), (detail["path"]!.GetValue<string>(), detail["keyword"]!.GetValue<string>()));

        AssertError(await client.CallToolAsync("closed_write", new Dictionary<string, object?> { ["note"] = "n" }, cancellationToken: Timeouts.CallToken), "idempotency_key_missing", retryable: false);
    }
}
