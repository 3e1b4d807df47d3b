using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Clients;

/// <summary>The README's sample, shared by the tests of a class: samples/crm/portcullis.json and a token with every scope.</summary>
public sealed class SampleGateway : IAsyncLifetime
{
    private readonly TempDir _data = new();
    private GatewayProcess? _gateway;

    internal GatewayProcess Gateway => _gateway ?? throw new InvalidOperationException("The gateway has not started.");

    internal Uri Endpoint => Gateway.Endpoint("crm-mcp");

    internal string Token { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _gateway = await GatewayProcess.StartAsync(Path.Combine(RepoPaths.Root, "samples", "crm", "portcullis.json"), _data.Path, extraArgs: AdminPlane.ServeArgs);
        try
        {
            Token = await PortcullisCli.DevTokenAsync(_gateway, "crm-mcp", "contacts:read,notes:read,notes:write");
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

        _data.Dispose();
    }
}
