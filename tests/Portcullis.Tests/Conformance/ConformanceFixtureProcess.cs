using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Conformance;

/// <summary>The conformance fixture served directly over Streamable HTTP, to compare the gateway with.</summary>
internal sealed class ConformanceFixtureProcess : IAsyncDisposable
{
    private readonly ServerProcess _process;

    private ConformanceFixtureProcess(ServerProcess process, string url)
    {
        _process = process;
        Url = url;
    }

    public string Url { get; }

    public static async Task<ConformanceFixtureProcess> StartAsync()
    {
        var port = FreePort.Next();
        var process = await ServerProcess.StartAsync(ConformanceConfig.FixtureDll, port, "--http", $"http://127.0.0.1:{port}");
        return new ConformanceFixtureProcess(process, $"http://localhost:{port}/mcp");
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
