using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Errors;

/// <summary>
/// <c>limits.max_sessions_per_principal</c>: a principal holding as many 2025-11-25 sessions as it may on a replica is
/// refused its next <c>initialize</c> with <c>rate_limited</c> (HTTP 429, the envelope in the JSON-RPC error's data),
/// and nothing is created; other principals and 2026-07-28 requests are not affected; an ended session frees its slot.
/// Before, one principal could open sessions without end, each keeping its handshake for the session's life.
/// </summary>
public sealed class SessionLimitTests : IAsyncLifetime
{
    private const int Limit = 2;
    private const string Initialize = """{"jsonrpc":"2.0","id":7,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"limit-tests","version":"1"}}}""";

    private readonly TempDir _dir = new();
    private readonly HttpClient _http = new() { Timeout = Timeouts.Call };
    private TestIdentityProvider _idp = null!;
    private GatewayProcess _gateway = null!;
    private AdminPlane _admin = null!;

    public async Task InitializeAsync()
    {
        _idp = await TestIdentityProvider.StartAsync().Within();
        var connector = TestConfig.Protect(TestConfig.FixtureConnector("fixture", ["echo"]), ["fixture:read"]);
        connector["tools"] = new JsonObject { ["echo"] = TestConfig.Tool(["fixture:read"]) };
        var config = TestConfig.Gateway(connector);
        config["identity"] = new JsonObject { ["issuer"] = _idp.Issuer, ["jwks_uri"] = _idp.JwksUri };
        config["limits"] = new JsonObject { ["max_sessions_per_principal"] = Limit };
        _gateway = await GatewayProcess.StartAsync(TestConfig.Write(_dir, config), _dir.File("data"), extraArgs: AdminPlane.ServeArgs).Within(Timeouts.Exit);
        _admin = await AdminPlane.OfAsync(_gateway).Within();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _gateway.DisposeAsync();
        await _idp.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task Initialize_OverTheLimit_IsRateLimitedAndOpensNothing()
    {
        var alice = Token("alice");
        for (var i = 0; i < Limit; i++)
        {
            await OpenAsync(alice);
        }

        using var refused = await SendInitializeAsync(alice);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.False(refused.Headers.Contains("Mcp-Session-Id"));
        Assert.Equal(TimeSpan.FromSeconds(60), refused.Headers.RetryAfter?.Delta);
        Assert.Equal("application/json", refused.Content.Headers.ContentType?.MediaType);
        var body = JsonNode.Parse(await refused.Content.ReadAsStringAsync().Within())!;
        Assert.Equal(7, body["id"]!.GetValue<int>());
        Assert.Equal(-32000, body["error"]!["code"]!.GetValue<int>());
        var envelope = body["error"]!["data"]!["error"]!;
        Assert.Equal("rate_limited", envelope["code"]!.GetValue<string>());
        Assert.True(envelope["retryable"]!.GetValue<bool>());
        Assert.Equal(60, envelope["retry_after_seconds"]!.GetValue<int>());
        Assert.Contains("sessions", envelope["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(refused.Headers.GetValues("Portcullis-Correlation-Id").Single(), envelope["correlation_id"]!.GetValue<string>());
        ErrorAssertions.AssertLeaksNothing(body.ToJsonString());

        await _gateway.WaitForOutputAsync($"for principal alice: it holds {Limit} session(s) on this replica", Timeouts.Call);

        // A client retrying in a loop gets one log line a minute: the next refusals are counted, not logged. The log
        // keeps its order, so once another principal's refusal is logged, alice's would have been before it.
        for (var i = 0; i < 3; i++)
        {
            using var again = await SendInitializeAsync(alice);
            Assert.Equal(HttpStatusCode.TooManyRequests, again.StatusCode);
        }

        var bob = Token("bob");
        for (var i = 0; i < Limit; i++)
        {
            await OpenAsync(bob);
        }

        using (var bobRefused = await SendInitializeAsync(bob))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, bobRefused.StatusCode);
        }

        await _gateway.WaitForOutputAsync("for principal bob:", Timeouts.Call);
        Assert.Single(_gateway.Output.Split('\n'), line => line.Contains("for principal alice:", StringComparison.Ordinal));
        Assert.Contains("portcullis_http_refusals_total{otel_scope_name=\"Portcullis\",code=\"rate_limited\",stage=\"limits\"}", await _admin.MetricsAsync().Within(), StringComparison.Ordinal);
    }

    /// <summary>Before, the refusals after a principal's last line waited for another of its refusals, and were never logged if none came.</summary>
    [Fact]
    public async Task Initialize_RefusedAfterThePrincipalsLastLine_IsReportedAtStop()
    {
        var alice = Token("alice");
        for (var i = 0; i < Limit; i++)
        {
            await OpenAsync(alice);
        }

        using (var first = await SendInitializeAsync(alice))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, first.StatusCode);
        }

        await _gateway.WaitForOutputAsync("for principal alice:", Timeouts.Call);
        string held;
        using (var second = await SendInitializeAsync(alice))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
            held = second.Headers.GetValues("Portcullis-Correlation-Id").Single();
        }

        Assert.DoesNotContain(held, _gateway.Output, StringComparison.Ordinal);
        _gateway.Terminate();

        Assert.Equal(0, await _gateway.WaitForExitAsync(Timeouts.Exit));
        Assert.Contains($"1 refused for it since the last report (reported at most once a minute per principal; each is counted in portcullis.http.refusals) (correlation id {held})",
            _gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Initialize_AnotherPrincipalAtItsLimit_StillOpensASession()
    {
        var alice = Token("alice");
        for (var i = 0; i < Limit; i++)
        {
            await OpenAsync(alice);
        }

        using (var refused = await SendInitializeAsync(alice))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        }

        var bob = Token("bob");
        var session = await OpenAsync(bob);
        using var call = await PostAsync(bob, """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}}""", session);
        Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        Assert.Contains("hi", await call.Content.ReadAsStringAsync().Within(), StringComparison.Ordinal);

        // The same subject through another client is another principal, with slots of its own.
        await OpenAsync(_idp.Mint(Audience, "fixture:read", change: c => { c["sub"] = "alice"; c["client_id"] = "other-app"; }));
    }

    [Fact]
    public async Task Delete_OneSessionAtTheLimit_FreesItsSlot()
    {
        var alice = Token("alice");
        var sessions = new List<string>();
        for (var i = 0; i < Limit; i++)
        {
            sessions.Add(await OpenAsync(alice));
        }

        using (var refused = await SendInitializeAsync(alice))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        }

        using var end = new HttpRequestMessage(HttpMethod.Delete, _gateway.Endpoint("fixture"));
        end.Headers.TryAddWithoutValidation("Authorization", "Bearer " + alice);
        end.Headers.Add("Mcp-Session-Id", sessions[0]);
        end.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        using var ended = await _http.SendAsync(end).Within();
        Assert.True(ended.IsSuccessStatusCode);

        await OpenAsync(alice);
        using var again = await SendInitializeAsync(alice);
        Assert.Equal(HttpStatusCode.TooManyRequests, again.StatusCode);
    }

    /// <summary>
    /// Before, the MCP layer refused an initialize asking for a revision without sessions (-32022) only after opening a
    /// session for it, which its principal held until the idle timeout: a client trying the newest revision first ran
    /// into the limit. The gateway now answers as the MCP layer does, before any session exists.
    /// </summary>
    [Fact]
    public async Task Initialize_AskingForARevisionWithoutSessions_IsAnsweredAsTheMcpLayerAnswersAndOpensNothing()
    {
        var alice = Token("alice");
        var newest = Initialize.Replace("2025-11-25", "2026-07-28", StringComparison.Ordinal);
        JsonNode? answer = null;
        for (var i = 0; i <= Limit; i++)
        {
            using var refused = await PostAsync(alice, newest);
            Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
            Assert.False(refused.Headers.Contains("Mcp-Session-Id"));
            answer = JsonNode.Parse(await refused.Content.ReadAsStringAsync().Within());
        }

        for (var i = 0; i < Limit; i++)
        {
            await OpenAsync(alice);
        }

        Assert.Equal(7, answer!["id"]!.GetValue<int>());
        Assert.Equal(-32022, answer["error"]!["code"]!.GetValue<int>());
        Assert.Equal("2026-07-28", answer["error"]!["data"]!["requested"]!.GetValue<string>());
        await using var sdk = await FixtureHttpServer.StartAsync();
        using var direct = new HttpRequestMessage(HttpMethod.Post, sdk.McpUrl) { Content = new StringContent(newest, Encoding.UTF8, "application/json") };
        direct.Headers.Accept.ParseAdd("application/json, text/event-stream");
        using var sdkAnswer = await _http.SendAsync(direct).Within();
        var sdkError = JsonNode.Parse((await sdkAnswer.Content.ReadAsStringAsync().Within()).Split('\n').Single(l => l.StartsWith("data:", StringComparison.Ordinal))["data:".Length..])!["error"]!;
        Assert.Equal(sdkError["code"]!.GetValue<int>(), answer["error"]!["code"]!.GetValue<int>());
        Assert.Equal(sdkError["data"]!["supported"]!.ToJsonString(), answer["error"]!["data"]!["supported"]!.ToJsonString());
    }

    [Fact]
    public async Task Initialize_OpenedAtOnce_NeverPassesTheLimit()
    {
        var alice = Token("alice");
        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => SendInitializeAsync(alice))).Within();
        try
        {
            Assert.Equal(Limit, answers.Count(a => a.StatusCode == HttpStatusCode.OK && a.Headers.Contains("Mcp-Session-Id")));
            Assert.Equal(6 - Limit, answers.Count(a => a.StatusCode == HttpStatusCode.TooManyRequests));
        }
        finally
        {
            foreach (var answer in answers)
            {
                answer.Dispose();
            }
        }
    }

    [Fact]
    public async Task StatelessRequest_PrincipalAtItsLimit_IsServed()
    {
        var alice = Token("alice");
        for (var i = 0; i < Limit; i++)
        {
            await OpenAsync(alice);
        }

        await using var client = await McpClients.ConnectAsync(_gateway.Endpoint("fixture"), alice, Protocol.Versions.V2026).Within();
        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "x" }, cancellationToken: Timeouts.CallToken).Within();

        Assert.NotEqual(true, result.IsError);
        using var refused = await SendInitializeAsync(alice);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
    }

    private string Audience => _gateway.Endpoint("fixture").ToString();

    private string Token(string subject) => _idp.Mint(Audience, "fixture:read", change: c => c["sub"] = subject);

    /// <summary>Opens a 2025-11-25 session (initialize, then initialized) and returns its id.</summary>
    private async Task<string> OpenAsync(string token)
    {
        using var opened = await SendInitializeAsync(token);
        Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        var session = opened.Headers.GetValues("Mcp-Session-Id").Single();
        using var initialized = await PostAsync(token, """{"jsonrpc":"2.0","method":"notifications/initialized"}""", session);
        Assert.True(initialized.IsSuccessStatusCode);
        return session;
    }

    private Task<HttpResponseMessage> SendInitializeAsync(string token) => PostAsync(token, Initialize);

    private async Task<HttpResponseMessage> PostAsync(string token, string body, string? session = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _gateway.Endpoint("fixture")) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        if (session is not null)
        {
            request.Headers.Add("Mcp-Session-Id", session);
            request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        }

        return await _http.SendAsync(request).Within();
    }
}
