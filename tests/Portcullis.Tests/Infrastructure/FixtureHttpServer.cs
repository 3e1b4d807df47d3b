using System.Net.Http.Json;

namespace Portcullis.Tests.Infrastructure;

/// <summary>The fixture upstream served over Streamable HTTP as its own process, with controllable faults.</summary>
internal sealed class FixtureHttpServer : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = Timeouts.Call };
    private readonly ServerProcess _process;

    private FixtureHttpServer(ServerProcess process) => _process = process;

    public string BaseUrl => _process.BaseUrl;

    public int Port => _process.Port;

    public string McpUrl => BaseUrl + "/mcp";

    /// <summary>Starts the fixture on a free port, or on <paramref name="port"/> when it must come back where it was.</summary>
    public static async Task<FixtureHttpServer> StartAsync(int? port = null, params string[] args) =>
        new(await ServerProcess.StartAsync(RepoPaths.Fixture, ["--http", $"http://127.0.0.1:{port ?? 0}", .. args]));

    /// <summary>Makes the fixture answer tools/call with <paramref name="mode"/>: normal, 429, 500, redirect (307 to <c>/redirected</c>), ….</summary>
    public async Task SetModeAsync(string mode, int? retryAfterSeconds = null)
    {
        using var response = await Http.PostAsJsonAsync(BaseUrl + "/control", new { mode, retryAfterSeconds });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The Authorization header of every request the fixture received, in order ("" when absent).</summary>
    public async Task<string[]> ReceivedAuthorizationsAsync() =>
        await Http.GetFromJsonAsync<string[]>(BaseUrl + "/received-authorization") ?? [];

    /// <summary>How many requests followed the fixture's <c>redirect</c> answer to where it pointed.</summary>
    public async Task<int> RedirectsFollowedAsync() => await Http.GetFromJsonAsync<int>(BaseUrl + "/redirects-followed");

    /// <summary>How many event streams (GET) the fixture answered in its <c>get_retry0</c> mode.</summary>
    public async Task<int> StreamsOpenedAsync() => await Http.GetFromJsonAsync<int>(BaseUrl + "/streams-opened");

    /// <summary>How many tool calls the fixture answered with a redirect in its <c>redirect_loop</c> mode.</summary>
    public async Task<int> LoopRedirectsAsync() => await Http.GetFromJsonAsync<int>(BaseUrl + "/loop-redirects");

    /// <summary>The ids of the tools/call requests the fixture received, and the request ids of the notifications/cancelled.</summary>
    public async Task<ReceivedCancellations> ReceivedCancellationsAsync() =>
        await Http.GetFromJsonAsync<ReceivedCancellations>(BaseUrl + "/received-cancellations") ?? new([], [], 0);

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
