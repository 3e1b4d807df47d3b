using System.Net;
using System.Text.Json.Nodes;
using Xunit;

namespace Portcullis.Tests.Protocol;

/// <summary>DNS-rebinding protection: requests with a Host or Origin the gateway does not serve get 403.</summary>
public sealed class HostFilterTests
{
    private const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""";

    [Theory]
    [InlineData("evil.example.com", null)]
    [InlineData("evil.example.com:8080", null)]
    [InlineData(null, "http://evil.example.com")]
    [InlineData("localhost", "http://evil.example.com")]
    public async Task Post_ForeignHostOrOriginOnLoopback_Gets403(string? host, string? origin)
    {
        await using var gateway = await PassthroughGateway.StartAsync();

        var status = await PostAsync(gateway, host, origin);

        Assert.Equal(HttpStatusCode.Forbidden, status);
    }

    [Theory]
    [InlineData("localhost", null)]
    [InlineData("127.0.0.1", "http://127.0.0.1:3000")]
    [InlineData("[::1]", "http://localhost:6274")]
    public async Task Post_LoopbackHostAndOrigin_IsServed(string host, string? origin)
    {
        await using var gateway = await PassthroughGateway.StartAsync();

        var status = await PostAsync(gateway, host, origin);

        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task Post_ConfiguredHostAndOrigin_IsServedAndLoopbackNoLonger()
    {
        await using var gateway = await PassthroughGateway.StartAsync(new JsonObject
        {
            ["allowed_hosts"] = new JsonArray("mcp.internal.example"),
            ["allowed_origins"] = new JsonArray("https://app.example"),
        });

        Assert.Equal(HttpStatusCode.OK, await PostAsync(gateway, "mcp.internal.example", "https://app.example"));
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(gateway, "mcp.internal.example", "http://localhost"));
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(gateway, "localhost", null));
    }

    private static async Task<HttpStatusCode> PostAsync(PassthroughGateway gateway, string? host, string? origin)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Post, gateway.Endpoint)
        {
            Content = new StringContent(Initialize, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (host is not null)
        {
            request.Headers.Host = host;
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }
}
