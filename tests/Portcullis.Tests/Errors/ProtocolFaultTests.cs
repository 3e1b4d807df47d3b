using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Errors;

/// <summary>Malformed frames get JSON-RPC errors, never a crash, and the gateway keeps serving (the generated frames: <see cref="FrameFuzzTests"/>).</summary>
public sealed class ProtocolFaultTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private readonly HttpClient _http = new() { Timeout = Timeouts.Call };
    private GatewayProcess _gateway = null!;
    private string? _sessionId;

    public async Task InitializeAsync()
    {
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["echo"]));
        _gateway = await GatewayProcess.StartAsync(TestConfig.Write(_dir, config), _dir.File("data"));

        // 2025-11-25 clients work in a session: open one as a client would, so frames reach the MCP layer.
        using var initialize = Request("""{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"fuzz","version":"1"}}}""");
        using var response = await _http.SendAsync(initialize);
        _sessionId = response.Headers.TryGetValues("Mcp-Session-Id", out var ids) ? ids.Single() : null;
        using var initialized = Request("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        (await _http.SendAsync(initialized)).Dispose();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _gateway.DisposeAsync();
        _dir.Dispose();
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1,2")]
    [InlineData("")]
    public async Task Post_BodyThatIsNotJson_GetsParseError(string body)
    {
        var (status, response) = await PostAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(-32700, response["error"]!["code"]!.GetValue<int>());
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task Post_UnknownMethod_GetsMethodNotFound()
    {
        var (_, response) = await PostAsync("""{"jsonrpc":"2.0","id":7,"method":"foo/bar"}""");

        Assert.Equal(-32601, response["error"]!["code"]!.GetValue<int>());
        Assert.Equal(7, response["id"]!.GetValue<int>());
        await AssertStillServesAsync();
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":3}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":5,"method":"tools/call","params":"x"}""")]
    [InlineData("""{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"echo","arguments":[1]}}""")]
    public async Task Post_ToolCallWithMalformedParams_GetsInvalidParams(string body)
    {
        var (status, response) = await PostAsync(body);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(-32602, response["error"]!["code"]!.GetValue<int>());
        Assert.Equal(5, response["id"]!.GetValue<int>());
        await AssertStillServesAsync();
    }

    /// <summary>A member name twice in one object: before, inside params, an anonymous -32603 "An error occurred." that was neither counted nor audited.</summary>
    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"echo","name":"echo","arguments":{"text":"a"}}}""", -32602, 200)]
    [InlineData("""{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"echo","arguments":{"text":"a"},"arguments":{"text":"b"}}}""", -32602, 200)]
    [InlineData("""{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"echo","arguments":{"text":"a","text":"b"}}}""", -32602, 200)]
    [InlineData("""{"jsonrpc":"2.0","id":6,"method":"resources/read","params":{"uri":"test://a","uri":"test://b"}}""", -32602, 200)]
    [InlineData("""{"jsonrpc":"2.0","id":6,"method":"tools/list","params":{"_meta":{"a":1,"a":2}}}""", -32602, 200)]
    [InlineData("""{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":1,"progress":2}}""", -32602, 400)]
    [InlineData("""{"jsonrpc":"2.0","id":6,"id":6,"method":"tools/list"}""", -32600, 400)]
    [InlineData("""{"jsonrpc":"2.0","id":6,"method":"tools/list","method":"tools/call","params":{"name":"echo"}}""", -32600, 400)]
    [InlineData("""{"jsonrpc":"2.0","id":6,"ID":7,"method":"tools/list"}""", -32600, 400)]
    [InlineData("""{"jsonrpc":"2.0","JSONRPC":"1.0","id":6,"method":"tools/list"}""", -32600, 400)]
    [InlineData("""{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"echo","NAME":"delete_all"}}""", -32602, 200)]
    [InlineData("""{"jsonrpc":"2.0","id":6,"method":"resources/read","params":{"uri":"file:///docs/a","URI":"file:///etc/passwd"}}""", -32602, 200)]
    [InlineData("""{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"Progress":1,"progress":2}}""", -32602, 400)]
    public async Task Post_AMemberNameTwiceInOneObject_IsRefusedWithTheEnvelope(string body, int code, int status)
    {
        var (httpStatus, response) = await PostAsync(body);

        Assert.Equal(status, (int)httpStatus);
        var error = response["error"]!;
        Assert.Equal(code, error["code"]!.GetValue<int>());
        Assert.Contains("appears twice", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("invalid_request", error["data"]!["error"]!["code"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(error["data"]!["error"]!["correlation_id"]!.GetValue<string>()));
        if (status == 200)
        {
            Assert.Equal(6, response["id"]!.GetValue<int>());
        }

        await AssertStillServesAsync();
    }

    /// <summary>
    /// Before, the MCP layer answered these itself: a response whose error it could not read with a message naming its
    /// types and the parser's position, an initialize without an id with one naming its own settings; neither carried
    /// the envelope or was counted.
    /// </summary>
    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":35,"error":{"code":"x","message":"m"}}""", "an integer \"code\"", true)]
    [InlineData("""{"jsonrpc":"2.0","id":35,"error":5}""", "an integer \"code\"", true)]
    [InlineData("""{"jsonrpc":"2.0","id":35,"error":{"code":1}}""", "a string \"message\"", true)]
    [InlineData("""{"jsonrpc":"2.0","id":35,"error":{"code":1.5,"message":"m"}}""", "an integer \"code\"", true)]
    [InlineData("""{"jsonrpc":"2.0","id":35,"result":{},"error":{"code":1,"message":"m"}}""", "either a \"result\" or an \"error\"", true)]
    [InlineData("""{"jsonrpc":"2.0","method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"a","version":"1"}}}""", "initialize is a request and needs an \"id\"", false)]
    public async Task Post_MalformedResponseOrInitializeWithoutAnId_IsInvalidRequestWithTheEnvelope(string body, string words, bool inSession)
    {
        var (status, response) = await PostAsync(body, inSession);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = response["error"]!;
        Assert.Equal(-32600, error["code"]!.GetValue<int>());
        Assert.Contains(words, error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("ModelContextProtocol", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("invalid_request", error["data"]!["error"]!["code"]!.GetValue<string>());
        await AssertStillServesAsync();
    }

    /// <summary>Before, the MCP layer's own 405 answered: a JSON-RPC error with no envelope, neither counted nor logged.</summary>
    [Theory]
    [InlineData("GET")]
    [InlineData("DELETE")]
    public async Task GetOrDelete_OfARevisionWithoutSessions_Is405WithAllowAndTheEnvelope(string method)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), _gateway.Endpoint("fixture"));
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add("MCP-Protocol-Version", "2026-07-28");
        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("POST", response.Content.Headers.Allow.Single());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("invalid_request", body["error"]!["code"]!.GetValue<string>());
        Assert.Equal(body["error"]!["correlation_id"]!.GetValue<string>(), response.Headers.GetValues("Portcullis-Correlation-Id").Single());
        await AssertStillServesAsync();
    }

    /// <summary>Before, any <c>application/*+json</c> was taken as JSON-RPC (ASP.NET Core's own check accepts them).</summary>
    [Theory]
    [InlineData("application/merge-patch+json")]
    [InlineData("application/problem+json")]
    public async Task Post_AnotherJsonMediaType_Is415(string contentType)
    {
        using var request = Request("""{"jsonrpc":"2.0","id":9,"method":"tools/list"}""");
        request.Content!.Headers.ContentType = new(contentType);
        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal("invalid_request", error["data"]!["error"]!["code"]!.GetValue<string>());
    }

    /// <summary>Params the MCP layer could not read: before, an internal error naming nothing (HTTP 500 for initialize).</summary>
    [Theory]
    [InlineData("initialize", "{}", "the params of initialize are not what the method takes", false)]
    [InlineData("initialize", "\"x\"", "the params of initialize must be an object", false)]
    [InlineData("initialize", """{"protocolVersion":"2025-11-25","capabilities":[],"clientInfo":{"name":"a","version":"1"}}""", "at params.capabilities", false)]
    [InlineData("initialize", """{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{}}""", "at params.clientInfo", false)]
    [InlineData("initialize", "null", "initialize needs a params object", false)]
    [InlineData("tools/list", """{"cursor":5}""", "the params of tools/list are not what the method takes at params.cursor", true)]
    [InlineData("tools/list", """{"_meta":5}""", "at params._meta", true)]
    [InlineData("logging/setLevel", """{"level":"bogus"}""", "at params.level", true)]
    [InlineData("logging/setLevel", "{}", "the params of logging/setLevel are not what the method takes", true)]
    [InlineData("prompts/get", """{"name":"greeting","arguments":{"name":5}}""", "a prompt's arguments are strings: a string is expected at params.arguments.name", true)]
    [InlineData("prompts/get", """{"name":"greeting","arguments":{"name":"a","style":{"x":1}}}""", "a string is expected at params.arguments.style", true)]
    [InlineData("prompts/get", """{"name":"greeting","Arguments":{"name":true}}""", "a string is expected at params.arguments.name", true)]
    [InlineData("prompts/get", """{"name":"greeting","arguments":[]}""", "at params.arguments", true)]
    [InlineData("tools/call", """{"name":"echo","arguments":{"text":"a"},"_meta":"x"}""", "params._meta must be an object", true)]
    [InlineData("tools/call", """{"name":"echo","arguments":{"text":"a"},"requestState":5}""", "params.requestState must be", true)]
    [InlineData("tools/call", """{"name":"echo","arguments":{"text":"a"},"inputResponses":[]}""", "params.inputResponses must be an object", true)]
    [InlineData("tools/call", """{"name":"ev\u0000il","arguments":{}}""", "it holds a control character", true)]
    [InlineData("tools/call", """{"name":"c\u001fecho","arguments":{}}""", "it holds a control character", true)]
    [InlineData("tools/call", """{"name":"echo","arguments":{"text":"a"},"requestState":"x\u0000y"}""", "params.requestState must be", true)]
    public async Task Post_RequestWhoseParamsCannotBeRead_GetsInvalidParamsSayingWhere(string method, string parameters, string expected, bool inSession)
    {
        var (status, response) = await PostAsync($$"""{"jsonrpc":"2.0","id":9,"method":"{{method}}","params":{{parameters}}}""", inSession);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(9, response["id"]!.GetValue<int>());
        var error = response["error"]!;
        Assert.Equal(-32602, error["code"]!.GetValue<int>());
        Assert.Contains(expected, error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(error["data"]!["error"]!["correlation_id"]!.GetValue<string>()));
        await AssertStillServesAsync();
        Assert.DoesNotContain(" fail: ", _gateway.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Before, an initialize sent within a session got an empty 500 and an error line with a stack trace (the MCP layer
    /// handed it to the session-migration hook with the disposed HttpContext of the request that opened the session).
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Post_InitializeWithinASession_IsInvalidRequestAndTheSessionServes(bool ownSession)
    {
        var body = """{"jsonrpc":"2.0","id":13,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"again","version":"1"}}}""";
        using var request = Request(body, inSession: ownSession);
        if (!ownSession)
        {
            request.Headers.Add("Mcp-Session-Id", "nobody-holds-this");
        }

        using var response = await _http.SendAsync(request);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(13, answer["id"]!.GetValue<int>());
        Assert.Equal(-32600, answer["error"]!["code"]!.GetValue<int>());
        Assert.Equal("invalid_request", answer["error"]!["data"]!["error"]!["code"]!.GetValue<string>());
        var (_, pinged) = await PostAsync("""{"jsonrpc":"2.0","id":14,"method":"ping"}""");
        Assert.NotNull(pinged["result"]);
        await AssertStillServesAsync();
        Assert.DoesNotContain(" fail: ", _gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_RequestsWhoseParamsCanBeRead_AreServedAsBefore()
    {
        var (_, listed) = await PostAsync("""{"jsonrpc":"2.0","id":10,"method":"tools/list","params":{"cursor":null,"_meta":{}}}""");
        Assert.Equal("echo", listed["result"]!["tools"]![0]!["name"]!.GetValue<string>());
        var (_, level) = await PostAsync("""{"jsonrpc":"2.0","id":11,"method":"logging/setLevel","params":{"level":"debug"}}""");
        Assert.NotNull(level["result"]);
        var (_, pinged) = await PostAsync("""{"jsonrpc":"2.0","id":12,"method":"ping","params":{"_meta":5}}""");
        Assert.NotNull(pinged["result"]);
    }

    /// <summary>
    /// Before, a body that stalled (slower than Kestrel's minimum data rate) or came in broken chunks was answered
    /// <c>200 OK</c> with an empty body, which a client takes for success; and one sent gzip-coded (Transfer-Encoding:
    /// gzip, chunked) was read as if it were not, so a proxy that decodes it and the gateway read two different bodies.
    /// </summary>
    [Theory]
    [InlineData("Content-Length: 1000", "", "408", "too slowly")]
    [InlineData("Transfer-Encoding: chunked", "5\r\n{\"jso\r\nZZZ\r\n", "400", "framing is broken")]
    [InlineData("Transfer-Encoding: gzip, chunked", "28\r\n{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}\r\n0\r\n\r\n", "501", "no transfer coding but chunked")]
    public async Task Post_BodyThatStallsOrIsBrokenlyChunked_IsRefusedWithTheEnvelopeNotA200(string framing, string body, string status, string words)
    {
        var endpoint = _gateway.Endpoint("fixture");
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endpoint.Host, endpoint.Port).Within();
        var head = $"POST {endpoint.AbsolutePath} HTTP/1.1\r\nHost: {endpoint.Authority}\r\nContent-Type: application/json\r\n" +
            $"Accept: application/json, text/event-stream\r\nMcp-Session-Id: {_sessionId}\r\nMCP-Protocol-Version: 2025-11-25\r\n" +
            framing + "\r\n\r\n" + (body.Length > 0 ? body : "{\"jsonrpc\":\"2.0\",\"id\":1,");
        await socket.SendAsync(Encoding.ASCII.GetBytes(head)).Within();

        // Kestrel's minimum request body data rate (240 bytes/s after a 5 s grace) ends a stalled read; a broken chunk at once.
        var answer = new StringBuilder();
        var buffer = new byte[8192];
        using var deadline = new CancellationTokenSource(Timeouts.Call);
        while (!answer.ToString().Contains("}}}}", StringComparison.Ordinal))
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
            if (read == 0)
            {
                break;
            }

            answer.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        var text = answer.ToString();
        Assert.True(text.StartsWith($"HTTP/1.1 {status} ", StringComparison.Ordinal), text);
        Assert.Contains("Connection: close", text, StringComparison.OrdinalIgnoreCase);
        var refusal = JsonNode.Parse(text[text.IndexOf('{', StringComparison.Ordinal)..(text.LastIndexOf('}') + 1)])!;
        Assert.Equal(-32600, refusal["error"]!["code"]!.GetValue<int>());
        Assert.Equal("invalid_request", refusal["error"]!["data"]!["error"]!["code"]!.GetValue<string>());
        Assert.Contains(words, refusal["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        await AssertStillServesAsync();
    }

    private async Task AssertStillServesAsync()
    {
        await using var client = await McpClients.ConnectAsync(_gateway.Endpoint("fixture"));
        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "alive" }, cancellationToken: Timeouts.CallToken);
        Assert.Equal("alive", Assert.IsType<TextContentBlock>(Assert.Single(echo.Content)).Text);
        Assert.False(_gateway.HasExited);
    }

    private async Task<(HttpStatusCode Status, JsonNode Body)> PostAsync(string body, bool inSession = true)
    {
        var (status, text) = await PostRawAsync(body, inSession);
        var json = text.StartsWith("event:", StringComparison.Ordinal)
            ? text.Split('\n').First(l => l.StartsWith("data:", StringComparison.Ordinal))["data:".Length..]
            : text;
        return (status, JsonNode.Parse(json)!);
    }

    private async Task<(HttpStatusCode Status, string Text)> PostRawAsync(string body, bool inSession = true)
    {
        using var request = Request(body, inSession);
        using var response = await _http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private HttpRequestMessage Request(string body, bool inSession = true)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, _gateway.Endpoint("fixture"))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        if (inSession && _sessionId is not null)
        {
            request.Headers.Add("Mcp-Session-Id", _sessionId);
        }

        return request;
    }
}
