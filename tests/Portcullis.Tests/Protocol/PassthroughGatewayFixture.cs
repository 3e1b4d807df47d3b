using Xunit;

namespace Portcullis.Tests.Protocol;

/// <summary>One <see cref="PassthroughGateway"/> shared by the tests of a class.</summary>
public sealed class PassthroughGatewayFixture : IAsyncLifetime
{
    private PassthroughGateway? _gateway;

    internal PassthroughGateway Gateway => _gateway ?? throw new InvalidOperationException("The gateway has not started.");

    public async Task InitializeAsync() => _gateway = await PassthroughGateway.StartAsync();

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }
    }
}
