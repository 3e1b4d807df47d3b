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

    /// <summary>Closes a client whose server may have died under it: closing may then fail or hang (10 s at most); the client is gone either way.</summary>
    public static async Task DisposeQuietlyAsync(McpClient? client)
    {
        try
        {
            if (client is not null)
            {
                await client.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (Exception)
        {
            // Nothing to do: the server is gone.
        }
    }
}
