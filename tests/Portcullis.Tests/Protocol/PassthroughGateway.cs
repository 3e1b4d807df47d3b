using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using Portcullis.Tests.Conformance;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Protocol;

/// <summary>
/// A gateway in front of the conformance fixture (stdio) whose allow-lists hide part of what it offers:
/// static-binary, the embedded-resource and image prompts, and most tools.
/// </summary>
internal sealed class PassthroughGateway : IAsyncDisposable
{
    public const string Connector = "conf";

    private static readonly string[] Tools =
    [
        "test_simple_text", "test_tool_with_progress", "test_tool_with_logging", "test_sampling", "test_elicitation", "test_touch_resource",
        "test_wait_for_cancellation", "test_cancellation_count", "test_announce_prompts_changed",
    ];

    private readonly TempDir _data;

    private PassthroughGateway(TempDir data, GatewayProcess process)
    {
        _data = data;
        Process = process;
    }

    public GatewayProcess Process { get; }

    public Uri Endpoint => Process.Endpoint(Connector);

    public static async Task<PassthroughGateway> StartAsync(JsonObject? topLevel = null)
    {
        var data = new TempDir();
        var connector = new JsonObject
        {
            ["server"] = Connector,
            ["environment"] = "test",
            ["upstream"] = new JsonObject { ["command"] = "dotnet", ["args"] = new JsonArray(ConformanceConfig.FixtureDll) },
            ["auth"] = new JsonObject { ["mode"] = "none" },
            ["tools_allow"] = new JsonArray([.. Tools.Select(t => (JsonNode)t)]),
            ["tools"] = TestConfig.DeclareReads(null, Tools),
            ["resources_allow"] = new JsonArray("test://static-text", "test://template/{id}/data", "test://watched-resource"),
            ["prompts_allow"] = new JsonArray("test_simple_prompt", "test_prompt_with_arguments"),
        };
        var config = TestConfig.Gateway(connector);
        foreach (var (key, value) in topLevel ?? [])
        {
            config[key] = value?.DeepClone();
        }

        try
        {
            return new PassthroughGateway(data, await GatewayProcess.StartAsync(TestConfig.Write(data, config), data.Path));
        }
        catch
        {
            data.Dispose();
            throw;
        }
    }

    /// <summary>A real SDK client speaking the given protocol revision, with the given handlers.</summary>
    public async Task<McpClient> ConnectAsync(string protocolVersion, McpClientHandlers? handlers = null)
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions { Endpoint = Endpoint, TransportMode = HttpTransportMode.StreamableHttp });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = protocolVersion, Handlers = handlers ?? new() }, cancellationToken: cts.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        _data.Dispose();
    }
}
