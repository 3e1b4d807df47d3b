using System.Net;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Audit;

/// <summary>The admin plane through real HTTP: who may use it, what it shows, and settling outcome-unknown keys.</summary>
[Collection(AuditCollection.Name)]
public sealed class AdminApiTests(AuditGateway fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private AdminPlane Admin => fixture.Admin;

    [Fact]
    public async Task AdminApi_MissingNonAdminOrWrongAudienceToken_IsRefused()
    {
        var (missing, missingBody, missingResponse) = await Admin.SendAsync(HttpMethod.Get, "/admin/api/connectors", null);
        var (notAdmin, notAdminBody, notAdminResponse) = await Admin.SendAsync(HttpMethod.Get, "/admin/api/connectors", await Admin.TokenAsync("portcullis:review"));
        var connectorToken = await fixture.ConnectorTokenAsync("fixture:read fixture:typed");
        var (wrongAudience, wrongBody, wrongResponse) = await Admin.SendAsync(HttpMethod.Get, "/admin/api/audit", connectorToken);
        var (forged, _, _) = await Admin.SendAsync(HttpMethod.Get, "/admin/api/connectors", fixture.AdminToken[..^4] + "AAAA");
        var (resolve, _, _) = await Admin.SendAsync(HttpMethod.Post, "/admin/api/idempotency/x/resolve", connectorToken, new JsonObject { ["executed"] = false });

        Assert.Equal(401, missing);
        Assert.Equal("unauthenticated", missingBody!["error"]!["code"]!.GetValue<string>());
        Assert.StartsWith("Bearer", missingResponse.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal(403, notAdmin);
        Assert.Equal("insufficient_scope", notAdminBody!["error"]!["code"]!.GetValue<string>());
        Assert.Contains("scope=\"portcullis:admin\"", notAdminResponse.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal(401, wrongAudience);
        Assert.Equal("unauthenticated", wrongBody!["error"]!["code"]!.GetValue<string>());
        Assert.Contains("the token's audience (aud) is not this resource's URI", wrongBody["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("error=\"invalid_token\", error_description=\"the token's audience (aud) is not this resource's URI\"", wrongResponse.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal(401, forged);
        Assert.Equal(401, resolve);
        var audited = await Admin.WaitForEventAsync(fixture.AdminToken, "kind=http_refusal&code=insufficient_scope",
            e => e["resource"]?.GetValue<string>() == "admin:/admin/api/connectors");
        Assert.Equal("operator-1", audited["principal"]!.GetValue<string>());
        Assert.DoesNotContain(connectorToken.Split('.')[2], fixture.Gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminApi_Answers_AreNeitherStoredNorSniffed_RefusalsAndDataAlike()
    {
        // The audit trail and held arguments are secrets read with a bearer token: no cache keeps them, no browser
        // reinterprets them; a refusal answers the same.
        var (ok, _, audit) = await Admin.SendAsync(HttpMethod.Get, "/admin/api/audit?limit=1", fixture.AdminToken).WaitAsync(Timeout);
        var (refused, _, refusal) = await Admin.SendAsync(HttpMethod.Get, "/admin/api/audit", null).WaitAsync(Timeout);

        Assert.Equal(200, ok);
        Assert.Equal(401, refused);
        foreach (var response in new[] { audit, refusal })
        {
            Assert.True(response.Headers.CacheControl?.NoStore, $"Cache-Control: {response.Headers.CacheControl}");
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        }
    }

    /// <summary>Before, a path whose last segment looks like a file's got an empty 404: the fallback route left such paths out.</summary>
    [Theory]
    [InlineData("/admin/index.html")]
    [InlineData("/admin/api/reviews/a/b.json")]
    [InlineData("/wp-login.php")]
    public async Task AdminListener_FileLikePathWithNoRoute_Is404NotFoundEnvelope(string path)
    {
        var (status, body, response) = await Admin.SendAsync(HttpMethod.Get, path, fixture.AdminToken).WaitAsync(Timeout);

        Assert.Equal(404, status);
        Assert.Equal("not_found", body!["error"]!["code"]!.GetValue<string>());
        Assert.Equal(body["error"]!["correlation_id"]!.GetValue<string>(), response.Headers.GetValues("Portcullis-Correlation-Id").Single());
        Assert.True(response.Headers.CacheControl?.NoStore, $"Cache-Control: {response.Headers.CacheControl}");
    }

    /// <summary>Before, a NUL in a filter reached PostgreSQL, which refuses it: a 500 saying the store may be unreachable.</summary>
    [Theory]
    [InlineData("/admin/api/audit?principal=a%00b")]
    [InlineData("/admin/api/idempotency?principal=%00")]
    [InlineData("/admin/api/audit?tool=echo%1B")]
    public async Task AdminApi_FilterHoldingAControlCharacter_Is400NamingIt(string path)
    {
        var (status, body, _) = await Admin.SendAsync(HttpMethod.Get, path, fixture.AdminToken).WaitAsync(Timeout);

        Assert.Equal(400, status);
        Assert.Equal("invalid_arguments", body!["error"]!["code"]!.GetValue<string>());
        Assert.Contains("control character", body["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Before, an Authorization header of another scheme (Basic) was answered as a refused token: error="invalid_token",
    /// "the token was refused", audited with the reason class invalid. No token was sent, so none was refused: it is
    /// answered as a missing one (RFC 6750 3.1, as on connector endpoints), with the reason class not_bearer.
    /// </summary>
    [Fact]
    public async Task AdminApi_AuthorizationOfAnotherScheme_IsAskedForABearerToken_NotToldATokenWasRefused()
    {
        var marker = Guid.NewGuid().ToString("N");
        var path = "/admin/api/connectors/" + marker;
        using var http = new HttpClient { Timeout = Timeout };
        using var request = new HttpRequestMessage(HttpMethod.Get, Admin.BaseUrl + path);
        request.Headers.TryAddWithoutValidation("Authorization", "Basic b3BlcmF0b3I6c2VjcmV0");

        using var response = await http.SendAsync(request).WaitAsync(Timeout);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer realm=\"portcullis-admin\"", response.Headers.WwwAuthenticate.ToString());
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync().WaitAsync(Timeout))!["error"]!;
        Assert.Equal("unauthenticated", error["code"]!.GetValue<string>());
        Assert.Contains("the Authorization header is not a bearer token", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("refused", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        var audited = await Admin.WaitForEventAsync(fixture.AdminToken, "kind=http_refusal&code=unauthenticated",
            e => e["resource"]?.GetValue<string>().Contains(marker, StringComparison.Ordinal) == true);
        Assert.Equal("not_bearer", audited["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task AdminApi_RefusalOfALongPath_IsAuditedWithThePathCutAt256Characters()
    {
        // Anyone can send a refused request: its path is client text, kept as bounded as a tool name.
        var marker = Guid.NewGuid().ToString("N");
        var path = "/admin/api/connectors/" + marker + new string('x', 4000);

        var (status, _, _) = await Admin.SendAsync(HttpMethod.Get, path, null);

        Assert.Equal(401, status);
        var audited = await Admin.WaitForEventAsync(fixture.AdminToken, "kind=http_refusal&code=unauthenticated",
            e => e["resource"]?.GetValue<string>().Contains(marker, StringComparison.Ordinal) == true);
        Assert.Equal(("admin:" + path)[..256], audited["resource"]!.GetValue<string>());
    }

    [Fact]
    public async Task AdminApi_Refusals_NameTheAdminAudience_AndCarryTheCorrelationIdInTheHeader()
    {
        var (unauthenticated, refusal, refused) = await Admin.SendAsync(HttpMethod.Get, "/admin/api/connectors", null);
        var (missing, notFound, absent) = await Admin.SendAsync(HttpMethod.Get, "/admin/api/connectors/nope/tools", fixture.AdminToken);

        Assert.Equal(401, unauthenticated);
        var message = refusal!["error"]!["message"]!.GetValue<string>();
        Assert.Contains($"(audience {Admin.BaseUrl}/admin)", message, StringComparison.Ordinal);
        Assert.DoesNotContain("{", message, StringComparison.Ordinal);
        Assert.Equal(refusal["error"]!["correlation_id"]!.GetValue<string>(), refused.Headers.GetValues("Portcullis-Correlation-Id").Single());
        Assert.Equal(404, missing);
        Assert.Equal(notFound!["error"]!["correlation_id"]!.GetValue<string>(), absent.Headers.GetValues("Portcullis-Correlation-Id").Single());
    }

    [Fact]
    public async Task AdminApi_BodyOverTheLimit_Is413PayloadTooLargeEnvelope_AuditedAndNothingChanged()
    {
        var token = await Admin.TokenAsync("portcullis:review", "reviewer-big");
        var body = "{\"decision\": \"deny\", \"reason\": \"" + new string('a', 70 * 1024) + "\"}";

        var (status, answer, response) = await Admin.SendTextAsync(HttpMethod.Post, "/admin/api/reviews/rv-00000000000000000000000000000000", token, body);

        Assert.Equal(413, status);
        Assert.NotNull(answer);
        Assert.Equal("payload_too_large", answer["error"]!["code"]!.GetValue<string>());
        Assert.False(answer["error"]!["retryable"]!.GetValue<bool>());
        var correlationId = answer["error"]!["correlation_id"]!.GetValue<string>();
        Assert.Equal(correlationId, response.Headers.GetValues("Portcullis-Correlation-Id").Single());
        var audited = await Admin.WaitForEventAsync(fixture.AdminToken, "kind=http_refusal&code=payload_too_large", e => e["correlation_id"]?.GetValue<string>() == correlationId);
        Assert.Equal("limits", audited["stage"]!.GetValue<string>());
        Assert.Equal("reviewer-big", audited["principal"]!.GetValue<string>());
    }

    [Fact]
    public async Task McpListener_ServesNeitherMetricsNorTheAdminApi()
    {
        using var http = new HttpClient { Timeout = Timeout };

        using var metrics = await http.GetAsync(fixture.Gateway.BaseUrl + "/metrics");
        using var api = new HttpRequestMessage(HttpMethod.Get, fixture.Gateway.BaseUrl + "/admin/api/connectors");
        api.Headers.Authorization = new("Bearer", fixture.AdminToken);
        using var answer = await http.SendAsync(api);

        Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode);
    }

    [Fact]
    public async Task AdminPlane_ForeignHostHeader_IsRefused()
    {
        using var http = new HttpClient { Timeout = Timeout };
        using var rebound = new HttpRequestMessage(HttpMethod.Get, Admin.BaseUrl + "/metrics");
        rebound.Headers.Host = "attacker.example";

        using var answer = await http.SendAsync(rebound);

        Assert.Equal(HttpStatusCode.Forbidden, answer.StatusCode);
    }

    [Fact]
    public async Task Connectors_ShowUpstreamStateAndEachToolsEffectivePolicy()
    {
        var connectors = await Admin.GetJsonAsync("/admin/api/connectors", fixture.AdminToken);
        var tools = await Admin.GetJsonAsync("/admin/api/connectors/fx/tools", fixture.AdminToken);
        var (missing, _, _) = await Admin.SendAsync(HttpMethod.Get, "/admin/api/connectors/nope/tools", fixture.AdminToken);

        var fx = connectors["connectors"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "fx")!;
        Assert.Equal("connected", fx["upstream"]!["state"]!.GetValue<string>());
        Assert.Equal("stdio", fx["upstream"]!["transport"]!.GetValue<string>());
        Assert.Equal($"{fixture.Gateway.BaseUrl}/mcp/fx", fx["endpoint"]!.GetValue<string>());
        var byName = tools["tools"]!.AsArray().ToDictionary(t => t!["name"]!.GetValue<string>(), t => t!.AsObject());
        Assert.Equal("read_only", byName["rich"]["kind"]!.GetValue<string>());
        Assert.Equal(1, byName["rich"]["rate_limit"]!["permits"]!.GetValue<int>());
        Assert.Equal("write", byName["slow"]["kind"]!.GetValue<string>());
        Assert.Equal(3, byName["slow"]["timeout_seconds"]!.GetValue<int>());
        Assert.True(byName["slow"]["idempotency_key_required"]!.GetValue<bool>());
        Assert.Contains("idempotency_key", byName["slow"]["input_schema"]!["required"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.False(byName["wipe"]["allowed"]!.GetValue<bool>());
        Assert.Equal("not in tools_allow", byName["wipe"]["reason"]!.GetValue<string>());
        Assert.Equal(404, missing);
    }

    [Fact]
    public async Task Metrics_CountersMoveWithCalls_AndUnknownToolNamesNeverBecomeLabels()
    {
        const string okEcho = "portcullis_tool_calls_total{otel_scope_name=\"Portcullis\",connector=\"fx\",outcome=\"ok\",tool=\"echo\"}";
        var before = Value(await Admin.MetricsAsync(), okEcho);
        var invented = "invented_" + Guid.NewGuid().ToString("N");
        await using var client = await McpClients.ConnectAsync(fixture.Gateway.Endpoint("fx"));

        await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "count me" }).AsTask().WaitAsync(Timeout);
        await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "and me" }).AsTask().WaitAsync(Timeout);
        await client.CallToolAsync(invented).AsTask().WaitAsync(Timeout);

        var metrics = await Admin.MetricsAsync();
        Assert.Equal(before + 2, Value(metrics, okEcho));
        Assert.DoesNotContain(invented, metrics, StringComparison.Ordinal);
        Assert.Contains("tool=\"(unknown)\"", metrics, StringComparison.Ordinal);
        Assert.Contains("portcullis_tool_call_duration_seconds_bucket{", metrics, StringComparison.Ordinal);
        Assert.Contains("portcullis_upstream_up{otel_scope_name=\"Portcullis\",connector=\"fx\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("portcullis_audit_lag_seconds{", metrics, StringComparison.Ordinal);
        Assert.Contains("portcullis_audit_sink_up{otel_scope_name=\"Portcullis\",sink=\"store\"} 1", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_RequestsKestrelRefusesBeforeTheGateway_AreCountedByTheirReason()
    {
        // A header block past 64 KiB or a request line past 8 KiB is answered by Kestrel itself (431, 414, an empty
        // body): the gateway never sees it, so its reason is read from Kestrel's connection metric.
        var port = new Uri(fixture.Gateway.BaseUrl).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var headers = KestrelRefusals(await Admin.MetricsAsync(), "max_request_headers_total_size_exceeded", port);
        var line = KestrelRefusals(await Admin.MetricsAsync(), "invalid_request_line", port);
        using var http = new HttpClient { Timeout = Timeout };

        using var big = new HttpRequestMessage(HttpMethod.Post, fixture.Gateway.Endpoint("fx"));
        big.Headers.Add("X-Padding", new string('a', 70_000));
        using var bigResponse = await http.SendAsync(big);
        using var longResponse = await http.GetAsync(fixture.Gateway.BaseUrl + "/" + new string('a', 10_000));

        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, bigResponse.StatusCode);
        Assert.Equal(HttpStatusCode.RequestUriTooLong, longResponse.StatusCode);
        var deadline = DateTime.UtcNow + Timeout;
        string metrics;
        do
        {
            await Task.Delay(50);
            metrics = await Admin.MetricsAsync().WaitAsync(Timeout);
        }
        while (KestrelRefusals(metrics, "invalid_request_line", port) < line + 1 && DateTime.UtcNow < deadline);

        Assert.Equal(headers + 1, KestrelRefusals(metrics, "max_request_headers_total_size_exceeded", port));
        Assert.Equal(line + 1, KestrelRefusals(metrics, "invalid_request_line", port));
        Assert.DoesNotContain("kestrel_queued_requests", metrics, StringComparison.Ordinal);
        // The connection's local address is the client's to pick on a wildcard listener: never a label.
        Assert.All(metrics.Split('\n').Where(l => l.StartsWith("kestrel_", StringComparison.Ordinal)),
            l => Assert.DoesNotContain("server_address=", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metrics_ServiceVersion_IsTheVersionTheCommandPrints()
    {
        var (exit, printed, _) = await PortcullisCli.RunAsync("--version");
        Assert.Equal(0, exit);
        var version = printed.Trim().Split('+')[0];

        var metrics = await Admin.MetricsAsync();

        Assert.Contains($"service_version=\"{version}\"", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolve_NotExecuted_ReleasesTheKeyAndTheAgentsRetryRuns()
    {
        await using var client = await McpClients.ConnectAsync(fixture.Gateway.Endpoint("remote"));
        var key = Guid.NewGuid().ToString("N");
        var args = new Dictionary<string, object?> { ["note"] = "resolve-" + key, ["idempotency_key"] = key };
        await fixture.Upstream.SetModeAsync("500");
        try
        {
            Assert.True((await client.CallToolAsync("record", args).AsTask().WaitAsync(Timeout)).IsError);
        }
        finally
        {
            await fixture.Upstream.SetModeAsync("normal");
        }

        Assert.Equal("idempotency_outcome_unknown", Code(await client.CallToolAsync("record", args).AsTask().WaitAsync(Timeout)));
        var id = await UnknownKeyIdAsync(key);

        var (status, body, _) = await Admin.SendAsync(HttpMethod.Post, $"/admin/api/idempotency/{id}/resolve", fixture.AdminToken,
            new JsonObject { ["executed"] = false, ["note"] = "the upstream log shows a 500 before the write" });
        var retry = await client.CallToolAsync("record", args).AsTask().WaitAsync(Timeout);

        Assert.Equal(200, status);
        Assert.True(body!["released"]!.GetValue<bool>());
        Assert.NotEqual(true, retry.IsError);
        Assert.Equal("recorded resolve-" + key, Assert.IsType<TextContentBlock>(Assert.Single(retry.Content)).Text);
        Assert.Null(retry.Meta?["portcullis/replay"]);
        var audited = await Admin.WaitForEventAsync(fixture.AdminToken, "kind=key_resolved&tool=record", e => e["decision"]!.GetValue<string>() == "not_executed" && e["connector"]!.GetValue<string>() == "remote");
        Assert.Equal("operator-1", audited["actor"]!.GetValue<string>());
    }

    /// <summary>
    /// Two operators look at one outcome-unknown key. The first finds the call did not take effect and releases it; the
    /// agent's retry, a new call, fails the same way. Before, the second operator's "it did not", given for the first
    /// call, deleted the retry's key too, and its next retry wrote again. Naming the call checked, it now changes nothing.
    /// </summary>
    [Fact]
    public async Task Resolve_NamingACallTheKeyNoLongerHolds_ChangesNothing()
    {
        await using var client = await McpClients.ConnectAsync(fixture.Gateway.Endpoint("fx"));
        var (key, args) = TimedOutWrite("stale");
        var (id, first) = await UnknownCallAsync(client, key, args);
        var retried = await HandOnAsync(client, id, first, args);

        var (stale, staleBody, _) = await Admin.SendAsync(HttpMethod.Post, $"/admin/api/idempotency/{id}/resolve", fixture.AdminToken,
            new JsonObject { ["executed"] = false, ["correlation_id"] = first });
        var (malformed, malformedBody, _) = await Admin.SendAsync(HttpMethod.Post, $"/admin/api/idempotency/{id}/resolve", fixture.AdminToken,
            new JsonObject { ["executed"] = false, ["correlation_id"] = 12 });
        var retry = await client.CallToolAsync("slow", args).AsTask().WaitAsync(Timeout);

        Assert.Equal(409, stale);
        Assert.Equal("conflict", staleBody!["error"]!["code"]!.GetValue<string>());
        Assert.Contains(retried, staleBody["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(400, malformed);
        Assert.StartsWith("correlation_id:", malformedBody!["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("idempotency_outcome_unknown", Code(retry));
        Assert.Equal(id, await UnknownKeyIdAsync(key));
        var refused = await Admin.WaitForEventAsync(fixture.AdminToken, "kind=http_refusal&connector=fx",
            e => e["detail"]?.GetValue<string>() == $"other call: key of call {retried}");
        Assert.Equal(("idempotency", "conflict", "operator-1"), (refused["stage"]!.GetValue<string>(), refused["code"]!.GetValue<string>(), refused["principal"]!.GetValue<string>()));
    }

    /// <summary>
    /// The console's view of the outcome-unknown keys goes stale while its operator checks the target system: another
    /// operator releases the key and the agent's retry, a new call, becomes outcome-unknown in turn. "It did not", clicked
    /// on the stale row, now settles nothing and says why; on the fresh row it settles the retry.
    /// </summary>
    [Fact]
    public async Task Console_SettleAStaleRow_ChangesNothing_TheFreshRowSettles()
    {
        await using var client = await McpClients.ConnectAsync(fixture.Gateway.Endpoint("fx"));
        var (key, args) = TimedOutWrite("console");
        var (id, first) = await UnknownCallAsync(client, key, args);

        using var playwright = await Microsoft.Playwright.Playwright.CreateAsync().WaitAsync(Timeout);
        await using var browser = await Review.ReviewTests.LaunchChromiumAsync(playwright);
        var page = await KeysViewAsync(browser);
        var row = page.Locator("tr", new() { HasText = key });
        await row.WaitForAsync();

        var retried = await HandOnAsync(client, id, first, args);

        await row.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "It did not" }).ClickAsync();
        await page.Locator("#status").Filter(new() { HasText = "another call" }).WaitForAsync();
        var held = await Admin.GetJsonAsync($"/admin/api/idempotency/{id}", fixture.AdminToken);
        Assert.Equal((retried, "outcome_unknown"), (held["correlation_id"]!.GetValue<string>(), held["state"]!.GetValue<string>()));
        Assert.Contains(retried, await page.Locator("#status").InnerTextAsync(), StringComparison.Ordinal);

        // Loaded again (the token stays for the tab), the view shows the key as it is now.
        await page.ReloadAsync();
        await row.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "It did not" }).ClickAsync();
        await page.Locator("#status").Filter(new() { HasText = "Key settled." }).WaitForAsync();
        var (gone, _, _) = await Admin.SendAsync(HttpMethod.Get, $"/admin/api/idempotency/{id}", fixture.AdminToken);
        Assert.Equal(404, gone);
        var audited = await Admin.WaitForEventAsync(fixture.AdminToken, "kind=key_resolved&decision=not_executed", e => e["correlation_id"]?.GetValue<string>() == retried);
        Assert.Equal("operator-1", audited["actor"]!.GetValue<string>());
    }

    /// <summary>
    /// An operator double-clicks "It did not" on the key they checked. Before, the first click loaded the list again at
    /// once, the next key moved up under the pointer, and the second click released it unchecked: its agent's retry could
    /// then run a write that may already have taken effect. The settled row now stays where it was, its buttons disabled.
    /// </summary>
    [Fact]
    public async Task Console_SecondClickOnItDidNot_AfterTheSettlement_DoesNotSettleTheNextKey()
    {
        await using var client = await McpClients.ConnectAsync(fixture.Gateway.Endpoint("fx"));
        var (olderKey, olderArgs) = TimedOutWrite("double-older");
        var (older, _) = await UnknownCallAsync(client, olderKey, olderArgs);
        var (checkedKey, checkedArgs) = TimedOutWrite("double-checked");
        var (checkedId, _) = await UnknownCallAsync(client, checkedKey, checkedArgs);

        using var playwright = await Microsoft.Playwright.Playwright.CreateAsync().WaitAsync(Timeout);
        await using var browser = await Review.ReviewTests.LaunchChromiumAsync(playwright);
        var page = await KeysViewAsync(browser);
        // Newest first: the checked key's row, then the older one's.
        await page.Locator("tr", new() { HasText = olderKey }).WaitForAsync().WaitAsync(Timeout);
        var button = page.Locator("tr", new() { HasText = checkedKey }).GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "It did not" });
        var box = (await button.BoundingBoxAsync().WaitAsync(Timeout))!;
        var (x, y) = (box.X + box.Width / 2, box.Y + box.Height / 2);

        await page.Mouse.ClickAsync(x, y).WaitAsync(Timeout);
        await page.Locator("#status").Filter(new() { HasText = "Key settled." }).WaitForAsync().WaitAsync(Timeout);
        await page.Mouse.ClickAsync(x, y).WaitAsync(Timeout);
        await page.WaitForLoadStateAsync(Microsoft.Playwright.LoadState.NetworkIdle).WaitAsync(Timeout);

        var (released, _, _) = await Admin.SendAsync(HttpMethod.Get, $"/admin/api/idempotency/{checkedId}", fixture.AdminToken);
        var held = await Admin.GetJsonAsync($"/admin/api/idempotency/{older}", fixture.AdminToken);
        Assert.Equal(404, released);
        Assert.Equal("outcome_unknown", held["state"]!.GetValue<string>());
        Assert.True(await button.IsDisabledAsync().WaitAsync(Timeout));
        Assert.Equal("idempotency_outcome_unknown", Code(await client.CallToolAsync("slow", olderArgs).AsTask().WaitAsync(Timeout)));
    }

    /// <summary>
    /// The console's keys view read one page of the list (the API's default, 100) and dropped its <c>next</c>: the 101st
    /// outcome-unknown key was never shown, with nothing saying so, and its agent waited on a settlement no operator saw.
    /// </summary>
    [Fact]
    public async Task Console_KeysView_MoreOutcomeUnknownKeysThanAPage_ShowsEveryOne()
    {
        const int Keys = 101;
        var marker = "page-" + Guid.NewGuid().ToString("N")[..8] + "-";
        await using var client = await McpClients.ConnectAsync(fixture.Gateway.Endpoint("remote"));
        var first = marker + "000";
        await fixture.Upstream.SetModeAsync("500");
        try
        {
            Assert.True((await client.CallToolAsync("record", new Dictionary<string, object?> { ["note"] = first, ["idempotency_key"] = first }).AsTask().WaitAsync(Timeout)).IsError);
        }
        finally
        {
            await fixture.Upstream.SetModeAsync("normal");
        }

        await UnknownKeyIdAsync(first);

        // The other keys are that one's row under keys of their own: the upstream's faults would trip its breaker long before.
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(fixture.Gateway.DataDir, "idempotency.db")};Pooling=False"))
        {
            connection.Open();
            using var copy = connection.CreateCommand();
            copy.CommandText = "CREATE TEMP TABLE copied AS SELECT * FROM idempotency WHERE key = $first";
            copy.Parameters.AddWithValue("$first", first);
            copy.ExecuteNonQuery();
            for (var i = 1; i < Keys; i++)
            {
                using var insert = connection.CreateCommand();
                insert.CommandText = "UPDATE copied SET key = $key, correlation_id = $correlation; INSERT INTO idempotency SELECT * FROM copied;";
                insert.Parameters.AddWithValue("$key", marker + i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture));
                insert.Parameters.AddWithValue("$correlation", Guid.NewGuid().ToString("N"));
                insert.ExecuteNonQuery();
            }
        }

        try
        {
            using var playwright = await Microsoft.Playwright.Playwright.CreateAsync().WaitAsync(Timeout);
            await using var browser = await Review.ReviewTests.LaunchChromiumAsync(playwright);
            var page = await KeysViewAsync(browser);
            await page.Locator("h2", new() { HasText = "Outcome-unknown keys" }).WaitForAsync();

            Assert.Equal(Keys, await page.Locator("tr", new() { HasText = marker }).CountAsync().WaitAsync(Timeout));
        }
        finally
        {
            // The shared gateway's other tests list outcome-unknown keys too: these are released.
            var list = await Admin.GetJsonAsync("/admin/api/idempotency?state=outcome_unknown&limit=1000&connector=remote", fixture.AdminToken);
            foreach (var record in list["records"]!.AsArray().Where(r => r!["key"]!.GetValue<string>().StartsWith(marker, StringComparison.Ordinal)))
            {
                await Admin.SendAsync(HttpMethod.Post, $"/admin/api/idempotency/{record!["id"]!.GetValue<string>()}/resolve", fixture.AdminToken,
                    new JsonObject { ["executed"] = false });
            }
        }
    }

    [Fact]
    public async Task Resolve_Executed_LaterRetriesGetAConfirmationAndTheUpstreamIsNotCalledAgain()
    {
        await using var client = await McpClients.ConnectAsync(fixture.Gateway.Endpoint("fx"));
        var key = Guid.NewGuid().ToString("N");
        var args = new Dictionary<string, object?> { ["seconds"] = 30, ["note"] = "confirm-" + key, ["idempotency_key"] = key };
        Assert.Equal("idempotency_outcome_unknown", Code(await client.CallToolAsync("slow", args).AsTask().WaitAsync(Timeout)));
        var id = await UnknownKeyIdAsync(key);
        var (notFound, _, _) = await Admin.SendAsync(HttpMethod.Post, "/admin/api/idempotency/bm90LWFuLWlk/resolve", fixture.AdminToken, new JsonObject { ["executed"] = true });
        var (badBody, _, _) = await Admin.SendAsync(HttpMethod.Post, $"/admin/api/idempotency/{id}/resolve", fixture.AdminToken, new JsonObject { ["executed"] = "yes" });
        var (misspelt, misspeltBody, _) = await Admin.SendAsync(HttpMethod.Post, $"/admin/api/idempotency/{id}/resolve", fixture.AdminToken,
            new JsonObject { ["executed"] = true, ["notes"] = "the CRM shows the note" });
        var (twice, twiceBody, _) = await Admin.SendTextAsync(HttpMethod.Post, $"/admin/api/idempotency/{id}/resolve", fixture.AdminToken,
            """{"executed": false, "executed": true}""");

        var (status, body, _) = await Admin.SendAsync(HttpMethod.Post, $"/admin/api/idempotency/{id}/resolve", fixture.AdminToken,
            new JsonObject { ["executed"] = true, ["note"] = "the CRM shows the note" });
        var retry = await client.CallToolAsync("slow", args).AsTask().WaitAsync(Timeout);
        var other = await client.CallToolAsync("slow", new Dictionary<string, object?> { ["seconds"] = 1, ["note"] = "other", ["idempotency_key"] = key }).AsTask().WaitAsync(Timeout);
        var (again, againBody, _) = await Admin.SendAsync(HttpMethod.Post, $"/admin/api/idempotency/{id}/resolve", fixture.AdminToken, new JsonObject { ["executed"] = false });

        Assert.Equal(404, notFound);
        Assert.Equal(400, badBody);
        Assert.Equal(400, misspelt);
        Assert.Equal("invalid_arguments", misspeltBody!["error"]!["code"]!.GetValue<string>());
        Assert.Equal("notes: not a property of this body (did you mean note?); it takes executed, note, correlation_id.", misspeltBody["error"]!["message"]!.GetValue<string>());
        Assert.Equal(400, twice);
        Assert.StartsWith("executed: given twice", twiceBody!["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(200, status);
        Assert.Equal("completed", body!["record"]!["state"]!.GetValue<string>());
        Assert.Equal("operator-1", body["record"]!["resolution"]!["resolved_by"]!.GetValue<string>());
        Assert.NotEqual(true, retry.IsError);
        var confirmation = Assert.IsType<TextContentBlock>(Assert.Single(retry.Content)).Text;
        Assert.Contains("An operator confirmed", confirmation, StringComparison.Ordinal);
        var structured = retry.StructuredContent!.Value.GetProperty("operator_confirmed");
        Assert.Equal(confirmation, structured.GetProperty("message").GetString());
        Assert.Equal("the CRM shows the note", structured.GetProperty("note").GetString());
        Assert.True(retry.Meta!["portcullis/replay"]!.GetValue<bool>());
        Assert.True(retry.Meta["portcullis/operator_confirmed"]!.GetValue<bool>());
        Assert.Equal("idempotency_key_reused", Code(other));
        Assert.Equal(409, again);
        Assert.Equal("conflict", againBody!["error"]!["code"]!.GetValue<string>());
        Assert.Single(File.ReadAllLines(fixture.RecordPath), l => l.Contains("confirm-" + key, StringComparison.Ordinal));
        await Admin.WaitForEventAsync(fixture.AdminToken, "kind=key_resolved&decision=executed", e => e["detail"]?.GetValue<string>() == "note: the CRM shows the note");
    }

    [Fact]
    public async Task AuditQuery_FiltersNewestFirstAndPages_TheSameInTheApiAndTheCli()
    {
        await using var client = await McpClients.ConnectAsync(fixture.Gateway.Endpoint("fx"));
        var marker = Guid.NewGuid().ToString("N");
        var made = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var refused = await client.CallToolAsync("no_such_" + marker).AsTask().WaitAsync(Timeout);
            made.Add(Errors.ErrorAssertions.AssertError(refused, "tool_not_found", retryable: false)["correlation_id"]!.GetValue<string>());
        }

        var query = $"since=10m&principal=anonymous&tool=no_such_{marker}&code=tool_not_found";
        await Admin.WaitForEventAsync(fixture.AdminToken, query + "&limit=3", e => true);
        var all = await EventuallyAsync(query, 3);
        var first = await Admin.GetJsonAsync($"/admin/api/audit?{query}&limit=2", fixture.AdminToken);
        var rest = await Admin.GetJsonAsync($"/admin/api/audit?{query}&limit=2&cursor={Uri.EscapeDataString(first["next"]!.GetValue<string>())}", fixture.AdminToken);
        var (exit, stdout, output) = await PortcullisCli.RunAsync("audit", "--config", fixture.Gateway.ConfigPath, "--data-dir", fixture.Gateway.DataDir,
            "--since", "10m", "--principal", "anonymous", "--tool", "no_such_" + marker, "--code", "tool_not_found", "--json");
        var (badExit, _, badOutput) = await PortcullisCli.RunAsync("audit", "--config", fixture.Gateway.ConfigPath, "--data-dir", fixture.Gateway.DataDir, "--since", "yesterday");
        var (badStatus, _, _) = await Admin.SendAsync(HttpMethod.Get, "/admin/api/audit?since=yesterday", fixture.AdminToken);

        var ids = all.Select(e => e["correlation_id"]!.GetValue<string>()).ToList();
        // Newest first: the calls were made one after another (ids made within one millisecond need not sort by time).
        Assert.Equal(Enumerable.Reverse(made), ids);
        Assert.Equal(ids, first["events"]!.AsArray().Concat(rest["events"]!.AsArray()).Select(e => e!["correlation_id"]!.GetValue<string>()));
        Assert.Null(rest["next"]);
        Assert.True(exit == 0, output);
        Assert.Equal(ids, stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!["correlation_id"]!.GetValue<string>()));
        Assert.Equal(2, badExit);
        Assert.Contains("--since 'yesterday'", badOutput, StringComparison.Ordinal);
        Assert.Equal(400, badStatus);
    }

    [Fact]
    public async Task IdempotencyList_PrincipalAlone_MatchesTheSubjectWhateverTheClientId()
    {
        var token = await fixture.ConnectorTokenAsync("fixture:write");
        var key = Guid.NewGuid().ToString("N");
        await using (var client = await McpClients.ConnectAsync(fixture.Gateway.Endpoint("sec"), token))
        {
            var written = await client.CallToolAsync("record", new Dictionary<string, object?> { ["note"] = "by-subject-" + key, ["idempotency_key"] = key })
                .AsTask().WaitAsync(Timeout);
            Assert.NotEqual(true, written.IsError);
        }

        async Task<List<JsonNode>> ListAsync(string filters) =>
            [.. (await Admin.GetJsonAsync($"/admin/api/idempotency?key={key}&{filters}", fixture.AdminToken))["records"]!.AsArray().Select(r => r!)];

        var record = Assert.Single(await ListAsync("principal=dev-user"));
        Assert.Equal(("dev-user", "portcullis-dev"), (record["principal"]!.GetValue<string>(), record["client_id"]!.GetValue<string>()));
        Assert.Single(await ListAsync("principal=dev-user&client_id=portcullis-dev"));
        Assert.Single(await ListAsync("client_id=portcullis-dev"));
        Assert.Empty(await ListAsync("principal=dev-user&client_id=another-client"));
        Assert.Empty(await ListAsync("principal=dev"));
    }

    [Theory]
    [InlineData("/admin/api/audit?principle=alice", "principle: not a query parameter of this route (did you mean principal?); it takes since, until, principal,")]
    [InlineData("/admin/api/audit?kind=tool_call&kind=http_refusal", "kind: given 2 times")]
    [InlineData("/admin/api/idempotency?stat=completed", "stat: not a query parameter of this route (did you mean state?); it takes state, connector, principal, client_id,")]
    [InlineData("/admin/api/idempotency?principal=dev-user&clientid=x", "clientid: not a query parameter of this route (did you mean client_id?)")]
    [InlineData("/admin/api/connectors?verbose=1", "verbose: this route takes no query parameters.")]
    [InlineData("/admin/api/connectors/fx/tools?name=echo", "name: this route takes no query parameters.")]
    [InlineData("/admin/api/reviews?stat=pending", "stat: not a query parameter of this route (did you mean state?); it takes state, connector, principal, client_id, tool, limit, cursor.")]
    public async Task AdminApi_UnknownOrRepeatedQueryParameter_Is400NamingIt(string path, string message)
    {
        var token = path.StartsWith("/admin/api/reviews", StringComparison.Ordinal) ? await Admin.TokenAsync("portcullis:review") : fixture.AdminToken;

        var (status, body, _) = await Admin.SendAsync(HttpMethod.Get, path, token);

        Assert.Equal(400, status);
        Assert.Equal("invalid_arguments", body!["error"]!["code"]!.GetValue<string>());
        Assert.StartsWith(message, body["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("DELETE", "/admin/api/reviews", "GET")]
    [InlineData("PATCH", "/admin/api/reviews/rv-0123456789abcdef0123456789abcdef", "GET, POST")]
    [InlineData("PUT", "/admin/api/idempotency/WyJ0ZXN0IiwiZngiLCJwIiwidCIsImsiXQ/resolve", "POST")]
    [InlineData("POST", "/admin/api/connectors", "GET")]
    [InlineData("DELETE", "/admin/api/audit", "GET")]
    [InlineData("POST", "/metrics", "GET, HEAD")]
    [InlineData("PUT", "/metrics", "GET, HEAD")]
    [InlineData("DELETE", "/metrics", "GET, HEAD")]
    public async Task AdminApi_WrongMethodOnARoute_Is405WithAllow_NotA404(string method, string path, string allow)
    {
        var (status, body, response) = await Admin.SendAsync(new HttpMethod(method), path, fixture.AdminToken);
        var (missing, missingBody, _) = await Admin.SendAsync(new HttpMethod(method), "/admin/api/no-such-route", fixture.AdminToken);

        Assert.Equal(405, status);
        Assert.Equal("invalid_request", body!["error"]!["code"]!.GetValue<string>());
        Assert.Equal($"This admin route does not take {method}; it takes {allow}.", body["error"]!["message"]!.GetValue<string>());
        Assert.Equal(allow, string.Join(", ", response.Content.Headers.Allow));
        Assert.Equal(404, missing);
        Assert.Equal("not_found", missingBody!["error"]!["code"]!.GetValue<string>());
    }

    /// <summary>Before, a body was read as JSON whatever its Content-Type said, or without one.</summary>
    [Theory]
    [InlineData("/admin/api/reviews/rv-0123456789abcdef0123456789abcdef", "{\"decision\": \"deny\"}", "text/plain")]
    [InlineData("/admin/api/reviews/rv-0123456789abcdef0123456789abcdef", "{\"decision\": \"deny\"}", null)]
    [InlineData("/admin/api/reviews/rv-0123456789abcdef0123456789abcdef", "{\"decision\": \"deny\"}", "application/json; charset=latin1")]
    [InlineData("/admin/api/idempotency/WyJ0ZXN0IiwiZngiLCJwIiwidCIsImsiXQ/resolve", "{\"executed\": false}", "text/plain; charset=utf-8")]
    [InlineData("/admin/api/idempotency/WyJ0ZXN0IiwiZngiLCJwIiwidCIsImsiXQ/resolve", "", null)]
    public async Task AdminApi_BodyNotSentAsJson_Is415InvalidRequest(string path, string body, string? contentType)
    {
        var token = path.StartsWith("/admin/api/reviews", StringComparison.Ordinal) ? await Admin.TokenAsync("portcullis:review", "reviewer-415") : fixture.AdminToken;

        var (status, answer, _) = await Admin.SendContentAsync(HttpMethod.Post, path, token, new StringContent(body), contentType);
        var (json, _, _) = await Admin.SendContentAsync(HttpMethod.Post, path, token, new StringContent(body), "Application/JSON; Charset=UTF-8");

        Assert.Equal(415, status);
        Assert.Equal("invalid_request", answer!["error"]!["code"]!.GetValue<string>());
        Assert.Contains("Content-Type: application/json", answer["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        // The same body as JSON, the media type in any case, is read: no such review or key (or, empty, not JSON).
        Assert.Contains(json, new[] { 400, 404 });
    }

    /// <summary>Before, the Content-Encoding was ignored and the body parsed as it came.</summary>
    [Fact]
    public async Task AdminApi_BodyWithAContentEncoding_Is415InvalidRequest()
    {
        var content = new StringContent("{\"executed\": false}");
        Assert.True(content.Headers.TryAddWithoutValidation("Content-Encoding", "br"));

        var (status, answer, _) = await Admin.SendContentAsync(HttpMethod.Post, "/admin/api/idempotency/WyJ0ZXN0IiwiZngiLCJwIiwidCIsImsiXQ/resolve", fixture.AdminToken, content, "application/json");

        Assert.Equal(415, status);
        Assert.Equal("invalid_request", answer!["error"]!["code"]!.GetValue<string>());
        Assert.Contains("Content-Encoding", answer["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminApi_KnownParametersInAnyCase_AreStillAccepted()
    {
        var (status, _, _) = await Admin.SendAsync(HttpMethod.Get, "/admin/api/audit?Kind=tool_call&LIMIT=1", fixture.AdminToken);

        Assert.Equal(200, status);
    }

    [Fact]
    public async Task ReviewDecision_UnknownBodyProperty_Is400NamingIt()
    {
        var reviewer = await Admin.TokenAsync("portcullis:review");

        var (status, body, _) = await Admin.SendAsync(HttpMethod.Post, "/admin/api/reviews/rv-none", reviewer,
            new JsonObject { ["decision"] = "approve", ["reasons"] = "looks fine" });

        Assert.Equal(400, status);
        Assert.Equal("invalid_arguments", body!["error"]!["code"]!.GetValue<string>());
        Assert.Equal("reasons: not a property of this body (did you mean reason?); it takes decision, reason.", body["error"]!["message"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("/admin/api/reviews/rv-0123456789abcdef0123456789abcdef", "{\"decision\": \"deny\", \"reason\": \"\\ud800\"}", "unpaired UTF-16 surrogate")]
    [InlineData("/admin/api/reviews/rv-0123456789abcdef0123456789abcdef", "{\"decision\": \"deny\", \"reason\": \"\xff\"}", "invalid UTF-8")]
    [InlineData("/admin/api/reviews/rv-0123456789abcdef0123456789abcdef", "{\"decision\": \"deny\", \"\\udc00\": 1}", "unpaired UTF-16 surrogate")]
    [InlineData("/admin/api/idempotency/WyJ0ZXN0IiwiZngiLCJwIiwidCIsImsiXQ/resolve", "{\"executed\": true, \"note\": \"\xfe\"}", "invalid UTF-8")]
    [InlineData("/admin/api/idempotency/WyJ0ZXN0IiwiZngiLCJwIiwidCIsImsiXQ/resolve", "{\"executed\": true, \"note\": \"\\udbff\\u0041\"}", "unpaired UTF-16 surrogate")]
    public async Task AdminBody_InvalidUtf8OrUnpairedSurrogate_Is400NotA500(string path, string body, string message)
    {
        // \xNN in the body stands for the raw byte NN, which no string can hold.
        var bytes = body.Select(c => (byte)c).ToArray();
        var hasRawBytes = body.Any(c => c > 0x7f);
        var token = await Admin.TokenAsync("portcullis:admin portcullis:review", "reviewer-bytes");

        var (status, answer, _) = await Admin.SendBytesAsync(HttpMethod.Post, path, token, hasRawBytes ? bytes : System.Text.Encoding.UTF8.GetBytes(body));

        Assert.Equal(400, status);
        Assert.Equal("invalid_arguments", answer!["error"]!["code"]!.GetValue<string>());
        Assert.False(answer["error"]!["retryable"]!.GetValue<bool>());
        Assert.Contains(message, answer["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("kind", "bogus", "kind: not an audit kind; one of tool_call, resource_read, prompt_get, resource_subscribe, completion, http_refusal, config_loaded, catalog_changed, tool_refused, key_resolved, review_decided, review_handed_over, dev_sign_in.")]
    [InlineData("kind", "tool_cal", "kind: not an audit kind (did you mean tool_call?); one of tool_call,")]
    [InlineData("decision", "bogus", "decision: not an audit decision; one of allowed, refused, replayed, failed, outcome_unknown, recorded, executed, not_executed, approved, denied.")]
    [InlineData("code", "bogus", "code: not an error code of the catalog; one of invalid_arguments, tool_not_found,")]
    [InlineData("code", "rate_limit", "code: not an error code of the catalog (did you mean rate_limited?); one of ")]
    public async Task AuditQuery_KindDecisionOrCodeOutsideItsSet_Is400NamingTheAllowedValues(string filter, string value, string message)
    {
        var (status, body, _) = await Admin.SendAsync(HttpMethod.Get, $"/admin/api/audit?{filter}={value}", fixture.AdminToken);
        var (exit, stdout, output) = await PortcullisCli.RunAsync("audit", "--config", fixture.Gateway.ConfigPath, "--data-dir", fixture.Gateway.DataDir, "--" + filter, value);

        Assert.Equal(400, status);
        Assert.Equal("invalid_arguments", body!["error"]!["code"]!.GetValue<string>());
        Assert.StartsWith(message, body["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(2, exit);
        Assert.Contains($"--{filter} '{value}': {message[(filter.Length + 2)..]}", output, StringComparison.Ordinal);
        Assert.Empty(stdout);
    }

    [Theory]
    [InlineData("since=99999999d")]
    [InlineData("since=1000000d")]
    [InlineData("until=99999999d")]
    [InlineData("since=99999999999999999999h")]
    public async Task AuditQuery_DurationReachingBeforeTheFirstInstant_Is400NotACrash(string filter)
    {
        var (status, body, _) = await Admin.SendAsync(HttpMethod.Get, "/admin/api/audit?" + filter, fixture.AdminToken);
        var (name, value) = (filter.Split('=')[0], filter.Split('=')[1]);
        var (exit, stdout, output) = await PortcullisCli.RunAsync("audit", "--config", fixture.Gateway.ConfigPath, "--data-dir", fixture.Gateway.DataDir, "--" + name, value);

        Assert.Equal(400, status);
        Assert.Equal("invalid_arguments", body!["error"]!["code"]!.GetValue<string>());
        Assert.StartsWith(name + ": a duration", body["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(2, exit);
        Assert.Contains($"--{name} '{value}': use a duration", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        Assert.Empty(stdout);
    }

    private async Task<List<JsonObject>> EventuallyAsync(string query, int count)
    {
        using var cts = new CancellationTokenSource(Timeout);
        while (true)
        {
            var page = await Admin.GetJsonAsync("/admin/api/audit?" + query, fixture.AdminToken);
            var events = page["events"]!.AsArray().Select(e => e!.AsObject()).ToList();
            if (events.Count >= count)
            {
                return events;
            }

            await Task.Delay(100, cts.Token);
        }
    }

    /// <summary>A write of the stdio connector that times out (the HTTP one's failures would open its circuit for the next tests).</summary>
    private static (string Key, Dictionary<string, object?> Arguments) TimedOutWrite(string marker)
    {
        var key = Guid.NewGuid().ToString("N");
        return (key, new Dictionary<string, object?> { ["seconds"] = 30, ["note"] = marker + "-" + key, ["idempotency_key"] = key });
    }

    /// <summary>Sends the write, whose key becomes outcome-unknown; returns the key's id and the call's correlation id.</summary>
    private async Task<(string Id, string CorrelationId)> UnknownCallAsync(McpClient client, string key, Dictionary<string, object?> args)
    {
        Assert.Equal("idempotency_outcome_unknown", Code(await client.CallToolAsync("slow", args).AsTask().WaitAsync(Timeout)));
        var id = await UnknownKeyIdAsync(key);
        return (id, (await Admin.GetJsonAsync($"/admin/api/idempotency/{id}", fixture.AdminToken))["correlation_id"]!.GetValue<string>());
    }

    /// <summary>An operator releases the call <paramref name="first"/>; the agent's retry takes the key and times out too. Returns the retry's correlation id.</summary>
    private async Task<string> HandOnAsync(McpClient client, string id, string first, Dictionary<string, object?> args)
    {
        var (released, _, _) = await Admin.SendAsync(HttpMethod.Post, $"/admin/api/idempotency/{id}/resolve", fixture.AdminToken,
            new JsonObject { ["executed"] = false, ["correlation_id"] = first });
        Assert.Equal(200, released);
        Assert.Equal("idempotency_outcome_unknown", Code(await client.CallToolAsync("slow", args).AsTask().WaitAsync(Timeout)));
        var retried = (await Admin.GetJsonAsync($"/admin/api/idempotency/{id}", fixture.AdminToken))["correlation_id"]!.GetValue<string>();
        Assert.NotEqual(first, retried);
        return retried;
    }

    private async Task<string> UnknownKeyIdAsync(string key)
    {
        var list = await Admin.GetJsonAsync($"/admin/api/idempotency?state=outcome_unknown&key={key}", fixture.AdminToken);
        var record = Assert.Single(list["records"]!.AsArray())!;
        Assert.Equal("outcome_unknown", record["state"]!.GetValue<string>());
        Assert.Equal(record.ToJsonString(), (await Admin.GetJsonAsync($"/admin/api/idempotency/{record["id"]!.GetValue<string>()}", fixture.AdminToken)).ToJsonString());
        return record["id"]!.GetValue<string>();
    }

    private static string? Code(CallToolResult result) =>
        result.IsError == true ? JsonNode.Parse(result.StructuredContent!.Value.GetRawText())!["error"]!["code"]!.GetValue<string>() : null;

    /// <summary>The connections Kestrel ended for <paramref name="reason"/> on the listener at <paramref name="port"/>.</summary>
    private static double KestrelRefusals(string metrics, string reason, string port) =>
        metrics.Split('\n')
            .Where(l => l.StartsWith("kestrel_connection_duration_seconds_count{", StringComparison.Ordinal)
                && l.Contains($"error_type=\"{reason}\"", StringComparison.Ordinal)
                && l.Contains($"server_port=\"{port}\"", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf('}') + 2)..].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture));

    private static double Value(string metrics, string series)
    {
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(series.Length + 1)..].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The console's outcome-unknown keys view in <paramref name="browser"/>, signed in with the admin token.</summary>
    private async Task<Microsoft.Playwright.IPage> KeysViewAsync(Microsoft.Playwright.IBrowser browser)
    {
        var page = await browser.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        await page.GotoAsync(Admin.BaseUrl + "/admin/#keys");
        await page.FillAsync("#token", fixture.AdminToken);
        await page.ClickAsync("#sign-in button[type=submit]");
        return page;
    }
}
