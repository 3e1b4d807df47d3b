using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Errors;

/// <summary>
/// Every refusal the gateway writes itself at the HTTP level comes from the error catalog, with a correlation id in
/// the body, in the Portcullis-Correlation-Id header and in the log line.
/// </summary>
public sealed class HttpRefusalTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private readonly HttpClient _http = new() { Timeout = Timeouts.Call };
    private GatewayProcess _gateway = null!;

    public async Task InitializeAsync()
    {
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["echo"]));
        config["limits"] = new JsonObject { ["max_body_bytes"] = 4096 };
        _gateway = await GatewayProcess.StartAsync(TestConfig.Write(_dir, config), _dir.File("data"));
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _gateway.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task UnknownConnector_IsProblemDetailsWithTheNotFoundEnvelope()
    {
        using var response = await PostAsync("/mcp/nope", "{}");

        var error = await AssertRefusalAsync(response, HttpStatusCode.NotFound, "not_found", "application/problem+json");
        Assert.Equal(404, (await BodyAsync(response))["status"]!.GetValue<int>());
        await _gateway.WaitForOutputAsync($"with 404 not_found: no connector has this name (correlation id {error["correlation_id"]})", Timeouts.Exit);
    }

    /// <summary>Before, the log line carried the whole path a client chose, up to Kestrel's 8 KiB of request line.</summary>
    [Fact]
    public async Task UnknownConnector_LongName_IsLoggedCutAsTheAuditTrailCutsIt()
    {
        var name = new string('n', 6000);
        using var response = await PostAsync("/mcp/" + name, "{}");

        var error = await AssertRefusalAsync(response, HttpStatusCode.NotFound, "not_found", "application/problem+json");
        var tail = $"no connector has this name (correlation id {error["correlation_id"]})";
        await _gateway.WaitForOutputAsync(tail, Timeouts.Exit);
        var line = _gateway.Output.Split('\n').Single(l => l.Contains(tail, StringComparison.Ordinal));
        Assert.Contains("/mcp/" + new string('n', 200), line, StringComparison.Ordinal);
        Assert.DoesNotContain(new string('n', 300), line, StringComparison.Ordinal);
    }

    /// <summary>Before, routing answered these with an empty body (and the 405 with its Allow header only).</summary>
    [Theory]
    [InlineData("PUT")]
    [InlineData("PATCH")]
    [InlineData("OPTIONS")]
    public async Task MethodNoConnectorEndpointServes_IsProblemDetailsWithTheInvalidRequestEnvelopeAndTheAllowedMethods(string method)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), _gateway.BaseUrl + "/mcp/fixture") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        using var response = await _http.SendAsync(request);

        var error = await AssertRefusalAsync(response, HttpStatusCode.MethodNotAllowed, "invalid_request", "application/problem+json");
        Assert.Contains(method, error["message"]!.GetValue<string>());
        Assert.Equal(["DELETE", "GET", "POST"], response.Content.Headers.Allow.Order());
    }

    [Fact]
    public async Task JunkRefusedAfterTheLastReport_IsReportedAtStop_WithoutAnotherToCarryIt()
    {
        using var first = await _http.GetAsync(_gateway.BaseUrl + "/first-junk");
        var reported = (await BodyAsync(first))["error"]!["correlation_id"]!.GetValue<string>();
        await _gateway.WaitForOutputAsync("Refused 1 malformed request(s) since the last report", Timeouts.Exit);
        await _gateway.WaitForOutputAsync(reported, Timeouts.Exit);
        using var second = await _http.GetAsync(_gateway.BaseUrl + "/second-junk");
        var held = (await BodyAsync(second))["error"]!["correlation_id"]!.GetValue<string>();
        Assert.DoesNotContain(held, _gateway.Output, StringComparison.Ordinal);

        _gateway.Terminate();

        Assert.Equal(0, await _gateway.WaitForExitAsync(Timeouts.Exit));
        Assert.Contains($"not_found on GET /second-junk: no endpoint has this path (correlation id {held})", _gateway.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/mcp")]
    [InlineData("/favicon.ico")]
    [InlineData("/mcp/fixture/extra")]
    public async Task PathNothingIsServedAt_IsProblemDetailsWithTheNotFoundEnvelope(string path)
    {
        using var response = await _http.GetAsync(_gateway.BaseUrl + path);

        var error = await AssertRefusalAsync(response, HttpStatusCode.NotFound, "not_found", "application/problem+json");
        Assert.Contains("/mcp/{server}", error["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task ForeignHost_IsProblemDetailsWithTheHostEnvelopeLoggedWithItsId()
    {
        using var response = await PostAsync("/mcp/fixture", "{}", host: "evil.example");

        var error = await AssertRefusalAsync(response, HttpStatusCode.Forbidden, "host_not_allowed", "application/problem+json");
        await _gateway.WaitForOutputAsync($"Host 'evil.example', Origin '' not allowed (DNS-rebinding protection) (correlation id {error["correlation_id"]})", Timeouts.Exit);
    }

    [Fact]
    public async Task BodyTooLarge_IsAJsonRpcErrorWithThePayloadEnvelope()
    {
        using var response = await PostAsync("/mcp/fixture", $$$"""{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"{{{new string('x', 5000)}}}"}}""");

        var error = await AssertRefusalAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large", "application/json");
        Assert.Equal(-32600, (await BodyAsync(response))["error"]!["code"]!.GetValue<int>());
        await _gateway.WaitForOutputAsync($"with 413 payload_too_large", Timeouts.Exit);
        await _gateway.WaitForOutputAsync((string)error["correlation_id"]!, Timeouts.Exit);
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"\ud800"}""", -32700)]
    [InlineData("""[{"jsonrpc":"2.0","id":1,"method":"ping"}]""", -32600)]
    [InlineData("""{"jsonrpc":2,"id":1,"method":"ping"}""", -32600)]
    [InlineData("""{"jsonrpc":"2.0","id":1.5,"method":"ping"}""", -32600)]
    [InlineData("""{"jsonrpc":"2.0","id":1}""", -32600)]
    public async Task MalformedFrame_IsAJsonRpcErrorWithTheInvalidRequestEnvelope(string frame, int rpcCode)
    {
        using var response = await PostAsync("/mcp/fixture", frame);

        await AssertRefusalAsync(response, HttpStatusCode.BadRequest, "invalid_request", "application/json");
        Assert.Equal(rpcCode, (await BodyAsync(response))["error"]!["code"]!.GetValue<int>());
    }

    [Fact]
    public async Task InvalidUtf8_IsAParseError()
    {
        using var content = new ByteArrayContent([.. "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"a"u8, 0xFF, .. "\"}"u8]);
        using var response = await SendAsync("/mcp/fixture", content);

        await AssertRefusalAsync(response, HttpStatusCode.BadRequest, "invalid_request", "application/json");
        Assert.Equal(-32700, (await BodyAsync(response))["error"]!["code"]!.GetValue<int>());
    }

    /// <summary>
    /// Before, no Content-Type got an empty 500 (and an error line with a stack trace for each), another Content-Type a bare
    /// 415 from routing, before the token was even looked at and with an unknown connector too.
    /// </summary>
    [Theory]
    [InlineData(null)]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task BodyNotSentAsJson_IsAJsonRpcErrorWithTheInvalidRequestEnvelope(string? contentType)
    {
        using var response = await SendAsync("/mcp/fixture", new StringContent("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}"), contentType: contentType);
        using var unknown = await SendAsync("/mcp/nope", new StringContent("{}"), contentType: contentType);

        await AssertRefusalAsync(response, HttpStatusCode.UnsupportedMediaType, "invalid_request", "application/json");
        Assert.Equal(-32600, (await BodyAsync(response))["error"]!["code"]!.GetValue<int>());
        await AssertRefusalAsync(unknown, HttpStatusCode.NotFound, "not_found", "application/problem+json");
        Assert.DoesNotContain("Unable to read the request as JSON", _gateway.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Before, a charset the MCP layer does not know (utf-7, a bogus name, even a quoted "utf-8") got an empty 500 and an
    /// error line with a stack trace for each; utf-16 or utf-32 a bare 400 with System.Text.Json's parser positions; and
    /// iso-8859-1 was decoded as such after this gateway had checked the body as UTF-8.
    /// </summary>
    [Theory]
    [InlineData("utf-7")]
    [InlineData("bogus")]
    [InlineData("utf-16")]
    [InlineData("utf-32")]
    [InlineData("iso-8859-1")]
    [InlineData("")]
    public async Task CharsetOtherThanUtf8_IsAJsonRpcErrorWithTheInvalidRequestEnvelope(string charset)
    {
        using var response = await SendWithContentTypeAsync($"application/json; charset={charset}");

        await AssertRefusalAsync(response, HttpStatusCode.UnsupportedMediaType, "invalid_request", "application/json");
        Assert.Equal(-32600, (await BodyAsync(response))["error"]!["code"]!.GetValue<int>());
        Assert.DoesNotContain("Unable to read the request as JSON", _gateway.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/json; charset=UTF-8")]
    [InlineData("application/json; charset=\"utf-8\"")]
    [InlineData("application/json;charset=\"UTF-8\"")]
    [InlineData("application/json; charset=utf8")]
    public async Task CharsetUtf8InAnySpelling_IsServed(string contentType)
    {
        using var response = await SendWithContentTypeAsync(contentType);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"protocolVersion\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("Unable to read the request as JSON", _gateway.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Before, the Content-Encoding was ignored: a gzip body was a parse error ("not valid JSON"), and a plain body
    /// labelled br or deflate was taken as it came, not as it said it was.
    /// </summary>
    [Theory]
    [InlineData("gzip", true)]
    [InlineData("br", false)]
    [InlineData("deflate", false)]
    [InlineData("identity, gzip", true)]
    public async Task ContentEncodingOtherThanIdentity_Is415WithTheEnvelopeAndAcceptEncoding(string coding, bool compress)
    {
        var json = Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}");
        var body = json;
        if (compress)
        {
            using var packed = new MemoryStream();
            using (var gzip = new System.IO.Compression.GZipStream(packed, System.IO.Compression.CompressionLevel.Fastest))
            {
                gzip.Write(json);
            }

            body = packed.ToArray();
        }

        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        Assert.True(content.Headers.TryAddWithoutValidation("Content-Encoding", coding));
        using var request = new HttpRequestMessage(HttpMethod.Post, _gateway.Endpoint("fixture")) { Content = content };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        using var response = await _http.SendAsync(request);

        await AssertRefusalAsync(response, HttpStatusCode.UnsupportedMediaType, "invalid_request", "application/json");
        Assert.Equal(-32600, (await BodyAsync(response))["error"]!["code"]!.GetValue<int>());
        Assert.Equal("identity", Assert.Single(response.Headers.GetValues("Accept-Encoding")));
        Assert.False(response.Headers.Contains("Mcp-Session-Id"));
    }

    /// <summary>
    /// Before, the MCP layer answered these 406 with no envelope and no correlation id, neither counted nor logged. A
    /// session named or not, the answer is the same, so it tells nothing about sessions.
    /// </summary>
    [Theory]
    [InlineData("application/json", null)]
    [InlineData("text/event-stream", null)]
    [InlineData("text/html", null)]
    [InlineData("", null)]
    [InlineData("application/json", "nobody-holds-this")]
    public async Task AcceptWithoutJsonAndEventStream_Is406WithTheEnvelope(string accept, string? session)
    {
        // Within a session, a request of it (an initialize there is refused before Accept is looked at).
        var body = session is null
            ? "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}"
            : "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}";
        using var request = new HttpRequestMessage(HttpMethod.Post, _gateway.Endpoint("fixture"))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        Assert.True(request.Headers.TryAddWithoutValidation("Accept", accept));
        if (session is not null)
        {
            request.Headers.Add("Mcp-Session-Id", session);
            request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        }

        using var response = await _http.SendAsync(request);

        var error = await AssertRefusalAsync(response, HttpStatusCode.NotAcceptable, "invalid_request", "application/json");
        Assert.Contains("application/json and text/event-stream", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(-32600, (await BodyAsync(response))["error"]!["code"]!.GetValue<int>());
        Assert.False(response.Headers.Contains("Mcp-Session-Id"));
    }

    [Theory]
    [InlineData("*/*")]
    [InlineData("application/*, text/*")]
    [InlineData("APPLICATION/JSON, TEXT/EVENT-STREAM")]
    [InlineData("application/json;q=0.9, text/event-stream;q=0.5")]
    public async Task AcceptNamingBothDirectlyOrByWildcard_IsServed(string accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _gateway.Endpoint("fixture"))
        {
            Content = new StringContent("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}", Encoding.UTF8, "application/json"),
        };
        Assert.True(request.Headers.TryAddWithoutValidation("Accept", accept));

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"protocolVersion\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ContentEncodingIdentity_IsServed()
    {
        var content = new StringContent("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}", Encoding.UTF8, "application/json");
        Assert.True(content.Headers.TryAddWithoutValidation("Content-Encoding", "identity"));
        using var request = new HttpRequestMessage(HttpMethod.Post, _gateway.Endpoint("fixture")) { Content = content };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"protocolVersion\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>Before, the MCP layer answered these with advice on configuring its server (stateless mode), and no envelope.</summary>
    [Theory]
    [InlineData("POST", "2025-11-25")]
    [InlineData("POST", null)]
    [InlineData("GET", "2025-11-25")]
    [InlineData("DELETE", "2025-06-18")]
    public async Task RequestOfARevisionWithSessions_NamingNone_IsInvalidRequestSayingToInitialize(string method, string? protocolVersion)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), _gateway.Endpoint("fixture"));
        if (method == "POST")
        {
            request.Content = new StringContent("""{"jsonrpc":"2.0","id":7,"method":"tools/list"}""", Encoding.UTF8, "application/json");
        }

        if (protocolVersion is not null)
        {
            request.Headers.Add("MCP-Protocol-Version", protocolVersion);
        }

        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        using var response = await _http.SendAsync(request);

        var error = await AssertRefusalAsync(response, HttpStatusCode.BadRequest, "invalid_request", "application/json");
        Assert.Contains("send initialize first", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        var body = await BodyAsync(response);
        Assert.Equal(-32600, body["error"]!["code"]!.GetValue<int>());
        Assert.DoesNotContain("HttpServerTransportOptions", body.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(method == "POST" ? "7" : null, body["id"]?.ToJsonString());
    }

    [Fact]
    public async Task RequestOfARevisionWithoutSessions_NamingNone_IsServed()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _gateway.Endpoint("fixture"))
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"raw","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("MCP-Protocol-Version", "2026-07-28");
        request.Headers.Add("Mcp-Method", "tools/list");
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"echo\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Before, the MCP layer's own transport refusals of a 2026-07-28 request (its Mcp-Method header not the body's method,
    /// a method that revision removed) were neither counted nor logged.
    /// </summary>
    [Fact]
    public async Task RequestTheMcpTransportRefuses_KeepsItsAnswer_AndIsCountedAndLoggedAsAMalformedFrame_ServedOnesAreNot()
    {
        using var mismatch = await SendWithoutSessionAsync("tools/list", "tools/call");
        Assert.Equal(HttpStatusCode.BadRequest, mismatch.StatusCode);
        Assert.Equal(-32020, (await BodyAsync(mismatch))["error"]!["code"]!.GetValue<int>());
        await _gateway.WaitForOutputAsync("Refused 1 malformed request(s) since the last report, 1 refusal(s) since start", Timeouts.Exit);
        Assert.Contains("invalid_request on POST /mcp/fixture: the MCP layer's transport answered HTTP 400", _gateway.Output, StringComparison.Ordinal);

        using var served = await SendWithoutSessionAsync("tools/list", "tools/list");
        using var removed = await SendWithoutSessionAsync("ping", "ping");
        _gateway.Terminate();

        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, removed.StatusCode);
        Assert.Equal(-32601, (await BodyAsync(removed))["error"]!["code"]!.GetValue<int>());
        Assert.Equal(0, await _gateway.WaitForExitAsync(Timeouts.Exit));
        Assert.Contains("Refused 1 malformed request(s) since the last report, 2 refusal(s) since start", _gateway.Output, StringComparison.Ordinal);
        Assert.Contains("the MCP layer's transport answered HTTP 404", _gateway.Output, StringComparison.Ordinal);
    }

    private async Task<HttpResponseMessage> SendWithoutSessionAsync(string method, string methodHeader)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _gateway.Endpoint("fixture"))
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":7,"method":""" + JsonValue.Create(method).ToJsonString() + ""","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"raw","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("MCP-Protocol-Version", "2026-07-28");
        request.Headers.Add("Mcp-Method", methodHeader);
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        return await _http.SendAsync(request);
    }

    private async Task<HttpResponseMessage> SendWithContentTypeAsync(string contentType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}"));
        using var request = new HttpRequestMessage(HttpMethod.Post, _gateway.Endpoint("fixture")) { Content = content };
        Assert.True(content.Headers.TryAddWithoutValidation("Content-Type", contentType));
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        return await _http.SendAsync(request);
    }

    /// <summary>Before, an initialize of any size up to the body limit was kept for its session's life: 200 of 500 KB grew the gateway by 2 GB.</summary>
    [Fact]
    public async Task InitializeLargerThanAHandshake_IsInvalidParams()
    {
        using var dir = new TempDir();
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["echo"]))), dir.File("data"));
        var padding = new string('x', 70 * 1024);
        using var request = new HttpRequestMessage(HttpMethod.Post, gateway.Endpoint("fixture"))
        {
            Content = new StringContent("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"" + padding + "\",\"version\":\"1\"}}}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        using var response = await _http.SendAsync(request);

        await AssertRefusalAsync(response, HttpStatusCode.OK, "invalid_request", "application/json");
        Assert.Equal(-32602, (await BodyAsync(response))["error"]!["code"]!.GetValue<int>());
        Assert.False(response.Headers.Contains("Mcp-Session-Id"));
    }

    private async Task<JsonNode> AssertRefusalAsync(HttpResponseMessage response, HttpStatusCode status, string code, string contentType)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType?.MediaType);
        var body = await BodyAsync(response);
        var envelope = (body["error"]?["data"]?["error"] ?? body["error"])!;
        Assert.Equal(code, envelope["code"]!.GetValue<string>());
        Assert.False(envelope["retryable"]!.GetValue<bool>());
        Assert.Equal(response.Headers.GetValues("Portcullis-Correlation-Id").Single(), envelope["correlation_id"]!.GetValue<string>());
        return envelope;
    }

    private static async Task<JsonNode> BodyAsync(HttpResponseMessage response) => JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

    private Task<HttpResponseMessage> PostAsync(string path, string body, string? host = null) =>
        SendAsync(path, new StringContent(body, Encoding.UTF8, "application/json"), host);

    private async Task<HttpResponseMessage> SendAsync(string path, HttpContent content, string? host = null, string? contentType = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _gateway.BaseUrl + path) { Content = content };
        request.Content.Headers.ContentType = contentType is null ? null : new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (host is not null)
        {
            request.Headers.Host = host;
        }

        return await _http.SendAsync(request);
    }
}
