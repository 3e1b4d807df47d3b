using System.Text.Json.Nodes;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Clients;

/// <summary>
/// A gateway in front of the fixture over stdio (<c>fx</c>, anonymous) offering only <c>typed_write</c>, a write that
/// declares an outputSchema, with a short timeout so a slow call's outcome becomes unknown; the admin plane on a port
/// of its own with the development identity, to settle such keys.
/// </summary>
public sealed class ConfirmationGateway : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private GatewayProcess? _gateway;

    internal GatewayProcess Gateway => _gateway ?? throw new InvalidOperationException("The gateway has not started.");

    internal Uri Endpoint => Gateway.Endpoint("fx");

    internal AdminPlane Admin { get; private set; } = null!;

    internal string AdminToken { get; private set; } = "";

    /// <summary>The fixture's record of every call that reached it.</summary>
    internal string RecordPath => _dir.File("calls.jsonl");

    public async Task InitializeAsync()
    {
        var fx = TestConfig.FixtureConnector("fx", ["typed_write"], RecordPath,
            new JsonObject { ["typed_write"] = new JsonObject { ["timeout_seconds"] = 3 } });
        var config = TestConfig.Gateway(fx);
        config["identity"] = new JsonObject { ["dev"] = true };
        _gateway = await GatewayProcess.StartAsync(TestConfig.Write(_dir, config), _dir.File("data"), extraArgs: AdminPlane.ServeArgs);
        try
        {
            Admin = await AdminPlane.OfAsync(_gateway);
            AdminToken = await Admin.TokenAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        _dir.Dispose();
    }
}
