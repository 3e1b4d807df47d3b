using System.Net.Http.Headers;
using System.Text;

namespace Portcullis.Tests.Infrastructure;

/// <summary>A raw Streamable HTTP POST of one JSON-RPC body, as an MCP client sends it, optionally within a 2025-11-25 session.</summary>
internal static class McpPost
{
    public static HttpRequestMessage Create(Uri endpoint, string body, string? session = null)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (session is not null)
        {
            message.Headers.Add("Mcp-Session-Id", session);
            message.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        }

        return message;
    }

    /// <summary>Opens a 2025-11-25 session (initialize, then initialized) and returns its id.</summary>
    public static async Task<string> OpenSessionAsync(HttpClient http, Uri endpoint, string clientName)
    {
        using var opened = await http.SendAsync(Create(endpoint,
            """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":""" + System.Text.Json.JsonSerializer.Serialize(clientName) + ""","version":"1"}}}""")).WaitAsync(Timeouts.Call);
        var session = opened.Headers.GetValues("Mcp-Session-Id").Single();
        using var initialized = await http.SendAsync(Create(endpoint, """{"jsonrpc":"2.0","method":"notifications/initialized"}""", session)).WaitAsync(Timeouts.Call);
        return session;
    }
}
