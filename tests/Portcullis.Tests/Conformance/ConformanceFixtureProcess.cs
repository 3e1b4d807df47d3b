using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Conformance;

/// <summary>The conformance fixture served directly over Streamable HTTP, to compare the gateway with.</summary>
internal sealed class ConformanceFixtureProcess : IAsyncDisposable
{
    private readonly ServerProcess _process;

    private ConformanceFixtureProcess(ServerProcess process)
    {
        _process = process;

        // The fixture filters hosts (DNS-rebinding protection) to loopback names; the suite connects by name.
        Url = $"http://localhost:{process.Port}/mcp";
    }

    public string Url { get; }

    public static async Task<ConformanceFixtureProcess> StartAsync() =>
        new(await ServerProcess.StartAsync(ConformanceConfig.FixtureDll, "--http", "http://127.0.0.1:0"));

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
