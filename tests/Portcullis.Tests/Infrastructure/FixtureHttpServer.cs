using System.Net.Http.Json;

namespace Portcullis.Tests.Infrastructure;

/// <summary>The fixture upstream served over Streamable HTTP as its own process, with controllable faults.</summary>
internal sealed class FixtureHttpServer : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly ServerProcess _process;

    private FixtureHttpServer(ServerProcess process, string baseUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    public string McpUrl => BaseUrl + "/mcp";

    public static async Task<FixtureHttpServer> StartAsync(int? port = null)
    {
        var chosen = port ?? FreePort.Next();
        var baseUrl = $"http://127.0.0.1:{chosen}";
        return new FixtureHttpServer(await ServerProcess.StartAsync(RepoPaths.Fixture, chosen, "--http", baseUrl), baseUrl);
    }

    /// <summary>Makes the fixture answer tools/call with <paramref name="mode"/>: normal, 429 or 500.</summary>
    public async Task SetModeAsync(string mode, int? retryAfterSeconds = null)
    {
        using var response = await Http.PostAsJsonAsync(BaseUrl + "/control", new { mode, retryAfterSeconds });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The Authorization header of every request the fixture received, in order ("" when absent).</summary>
    public async Task<string[]> ReceivedAuthorizationsAsync() =>
        await Http.GetFromJsonAsync<string[]>(BaseUrl + "/received-authorization") ?? [];

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
