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
}
