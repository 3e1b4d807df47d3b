using ModelContextProtocol.Client;

namespace Portcullis.Tests.Infrastructure;

/// <summary>Real MCP clients (the official SDK) connected over Streamable HTTP.</summary>
internal static class McpClients
{
    public static async Task<McpClient> ConnectAsync(Uri endpoint, string? bearerToken = null, string? protocolVersion = null, McpClientHandlers? handlers = null)
    {
        var headers = new Dictionary<string, string>();
        if (bearerToken is not null)
        {
            headers["Authorization"] = "Bearer " + bearerToken;
        }

        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = endpoint,
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = headers,
        });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = protocolVersion, Handlers = handlers ?? new() }, cancellationToken: cts.Token);
    }
}
