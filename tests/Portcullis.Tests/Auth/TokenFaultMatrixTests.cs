using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Auth;

/// <summary>Every kind of bad token is refused with 401 and the RFC 9728 challenge; a good one passes.</summary>
public sealed class TokenFaultMatrixTests : IAsyncLifetime
{
    private AuthGateway _auth = null!;

    public async Task InitializeAsync() => _auth = await AuthGateway.StartAsync();

    public async Task DisposeAsync() => await _auth.DisposeAsync();

    /// <summary>Each fault and what the caller is told about it (RFC 6750 <c>error_description</c>); none for no token.</summary>
    public static TheoryData<string, string?> Faults => new()
    {
        { "none", null },
        { "garbage", "the token is not a well-formed JWT" },
        { "expired", "the token has expired" },
        { "not_yet_valid", "the token is not valid yet (nbf)" },
        { "wrong_issuer", "the token is not from the authorization server named in the resource metadata" },
        { "audience_of_other_connector", "the token's audience (aud) is not this resource's URI" },
        { "foreign_audience", "the token's audience (aud) is not this resource's URI" },
        { "other_environment", "the token is for another environment than this resource's" },
        { "lifetime_over_cap", "the token's lifetime (exp - iat) is longer than this resource accepts" },
        { "missing_exp", "the token lacks exp or iat" },
        { "missing_iat", "the token lacks exp or iat" },
        { "alg_none", "the token's signature does not verify" },
        { "hs256_with_public_key", "the token's signature does not verify" },
        { "tampered_payload", "the token's signature does not verify" },
        { "unknown_kid", "the token is signed with a key the authorization server does not publish" },
        { "two_audiences", "the token's audience (aud) names other resources besides this one" },
        { "issued_in_future", "the token's iat is in the future" },
        { "missing_subject", "the token has no subject (its subject claim is missing or not one string)" },
        { "control_in_subject", "the token's subject or client id holds a control character" },
        { "control_in_client_id", "the token's subject or client id holds a control character" },
        { "control_in_client_id_array", "the token's subject or client id holds a control character" },
        { "lifetime_wrapping_around", "the token's lifetime (exp - iat) is longer than this resource accepts" },
        { "expiring_at_the_end_of_time", "the token's lifetime (exp - iat) is longer than this resource accepts" },
        { "long_subject", "the token's subject or client id is longer than 255 bytes" },
        { "long_client_id", "the token's subject or client id is longer than 255 bytes" },
        { "unsupported_crit", "the token's header lists critical extensions (crit) that are not supported" },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task Initialize_FaultyToken_Returns401WithResourceMetadataChallengeAndTheReason(string fault, string? description)
    {
        var authorization = AuthorizationFor(fault);
        // The gateway keeps verdicts of valid tokens: with one in its cache, each fault must still be judged afresh.
        using var warm = await AuthGateway.PostAsync(_auth.Gateway.Endpoint("alpha"), "Bearer " + _auth.Token("alpha"), AuthGateway.Initialize);
        Assert.Equal(HttpStatusCode.OK, warm.StatusCode);

        using var response = await AuthGateway.PostAsync(_auth.Gateway.Endpoint("alpha"), authorization, AuthGateway.Initialize);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var metadata = $"resource_metadata=\"{_auth.MetadataUrl("alpha")}\"";
        Assert.Equal(
            description is null ? "Bearer " + metadata : $"Bearer error=\"invalid_token\", error_description=\"{description}\", {metadata}",
            AuthGateway.Challenge(response));
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync(Timeouts.CallToken))!["error"]!;
        Assert.Equal("unauthenticated", error["code"]!.GetValue<string>());
        Assert.False(error["retryable"]!.GetValue<bool>());
        Assert.Equal(response.Headers.GetValues("Portcullis-Correlation-Id").Single(), error["correlation_id"]!.GetValue<string>());
        if (description is not null)
        {
            Assert.Contains(description, error["message"]!.GetValue<string>(), StringComparison.Ordinal);
            // The log says why in words too, not by the validator's exception type.
            var correlationId = error["correlation_id"]!.GetValue<string>();
            await _auth.Gateway.WaitForOutputAsync(correlationId, Timeouts.Exit);
            var logged = _auth.Gateway.Output.Split('\n').First(line => line.Contains(correlationId, StringComparison.Ordinal));
            Assert.DoesNotContain("Exception", logged, StringComparison.Ordinal);
        }
    }

    /// <summary>The GET event stream accepts text/event-stream only: its 401 is still the challenge with the envelope, never an empty 500.</summary>
    [Theory]
    [InlineData(null)]
    [InlineData("expired")]
    public async Task GetEventStream_WithoutOrWithARefusedToken_Is401WithTheChallenge(string? fault)
    {
        using var http = new HttpClient { Timeout = Timeouts.Call };
        using var request = new HttpRequestMessage(HttpMethod.Get, _auth.Gateway.Endpoint("alpha"));
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (fault is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", AuthorizationFor(fault));
        }

        using var response = await http.SendAsync(request, Timeouts.CallToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains($"resource_metadata=\"{_auth.MetadataUrl("alpha")}\"", AuthGateway.Challenge(response), StringComparison.Ordinal);
        Assert.Equal(fault is not null, AuthGateway.Challenge(response).Contains("error=\"invalid_token\"", StringComparison.Ordinal));
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync(Timeouts.CallToken))!["error"]!;
        Assert.Equal("unauthenticated", error["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Initialize_ValidToken_IsAccepted()
    {
        using var response = await AuthGateway.PostAsync(_auth.Gateway.Endpoint("alpha"), "Bearer " + _auth.Token("alpha"), AuthGateway.Initialize);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("expired")]
    [InlineData("audience_of_other_connector")]
    [InlineData("other_environment")]
    public async Task Connect_FaultyToken_RealClientIsRefused(string fault)
    {
        var token = AuthorizationFor(fault)!["Bearer ".Length..];

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => McpClients.ConnectAsync(_auth.Gateway.Endpoint("alpha"), token));

        Assert.Contains("401", ex.ToString(), StringComparison.Ordinal);
        await using var client = await McpClients.ConnectAsync(_auth.Gateway.Endpoint("alpha"), _auth.Token("alpha"));
        Assert.Equal(["echo", "typed"], (await client.ListToolsAsync(cancellationToken: Timeouts.CallToken)).Select(t => t.Name).Order());
    }

    [Fact]
    public async Task Initialize_TwoAudiencesWhereTheConnectorAllowsThem_IsAccepted()
    {
        var token = _auth.Idp.Mint(_auth.Resource("gamma"), "fixture:read", change: c => c["aud"] = new[] { _auth.Resource("gamma"), "https://api.example.com/" });

        using var accepted = await AuthGateway.PostAsync(_auth.Gateway.Endpoint("gamma"), "Bearer " + token, AuthGateway.Initialize);
        using var elsewhere = await AuthGateway.PostAsync(_auth.Gateway.Endpoint("alpha"), "Bearer " + token, AuthGateway.Initialize);

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, elsewhere.StatusCode);
    }

    [Fact]
    public async Task Initialize_TwoAudiences_IsRefusedAndTheReasonLogged()
    {
        var token = _auth.Idp.Mint(_auth.Resource("alpha"), "fixture:read", change: c => c["aud"] = new[] { _auth.Resource("alpha"), _auth.Resource("gamma") });

        using var response = await AuthGateway.PostAsync(_auth.Gateway.Endpoint("alpha"), "Bearer " + token, AuthGateway.Initialize);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var correlationId = response.Headers.GetValues("Portcullis-Correlation-Id").Single();
        await _auth.Gateway.WaitForOutputAsync("Connector alpha: token refused (audience names other resources besides this one (a connector allows that with auth.allow_multiple_audiences)); answered 401 (correlation id " + correlationId, Timeouts.Exit);
    }

    /// <summary>
    /// Before, a bad token sent where no token is asked for (the health probes, the resource metadata) was logged and
    /// audited as a refused token, with a correlation id on an answer that served the request.
    /// </summary>
    [Fact]
    public async Task HealthAndResourceMetadata_WithABadToken_AreServedAndNoRefusalIsRecorded()
    {
        using var http = new HttpClient { Timeout = Timeouts.Call };
        foreach (var path in new[] { "/healthz", "/.well-known/oauth-protected-resource/mcp/alpha" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, _auth.Gateway.BaseUrl + path);
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer not-a-jwt-at-all");
            using var response = await http.SendAsync(request).Within();

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.False(response.Headers.Contains("Portcullis-Correlation-Id"), path);
        }

        // A refusal after them, once logged, shows that none was logged before it.
        using var refused = await AuthGateway.PostAsync(_auth.Gateway.Endpoint("alpha"), "Bearer not-a-jwt-at-all", AuthGateway.Initialize).Within();
        var correlationId = refused.Headers.GetValues("Portcullis-Correlation-Id").Single();
        await _auth.Gateway.WaitForOutputAsync(correlationId, Timeouts.Exit);
        Assert.Single(_auth.Gateway.Output.Split('\n'), line => line.Contains("token refused", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ResourceMetadata_PerConnector_NamesResourceIssuerAndScopes()
    {
        var json = JsonNode.Parse(await _auth.Gateway.GetAsync("/.well-known/oauth-protected-resource/mcp/beta"))!;

        Assert.Equal(_auth.Resource("beta"), json["resource"]!.GetValue<string>());
        Assert.Equal([_auth.Idp.Issuer], json["authorization_servers"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(["fixture:read", "fixture:typed"], json["scopes_supported"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(["header"], json["bearer_methods_supported"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    private string? AuthorizationFor(string fault)
    {
        var idp = _auth.Idp;
        var alpha = _auth.Resource("alpha");
        const string scopes = "fixture:read fixture:typed";
        var now = DateTimeOffset.UtcNow;
        return fault switch
        {
            "none" => null,
            "garbage" => "Bearer not-a-jwt-at-all",
            "expired" => Bearer(idp.Mint(alpha, scopes, issuedAt: now.AddMinutes(-20), lifetime: TimeSpan.FromMinutes(5))),
            "not_yet_valid" => Bearer(idp.Mint(alpha, scopes, change: c => c["nbf"] = now.AddMinutes(5).ToUnixTimeSeconds())),
            "wrong_issuer" => Bearer(idp.Mint(alpha, scopes, issuer: "https://login.evil.example/")),
            "audience_of_other_connector" => Bearer(idp.Mint(_auth.Resource("beta"), scopes)),
            "two_audiences" => Bearer(idp.Mint(alpha, scopes, change: c => c["aud"] = new[] { alpha, _auth.Resource("beta") })),
            "foreign_audience" => Bearer(idp.Mint("https://api.example.com/", scopes)),
            "other_environment" => Bearer(idp.Mint(alpha, scopes, environment: "prod")),
            "lifetime_over_cap" => Bearer(idp.Mint(alpha, scopes, lifetime: TimeSpan.FromSeconds(AuthGateway.TtlSeconds + 1))),
            "missing_exp" => Bearer(idp.Mint(alpha, scopes, change: c => c.Remove("exp"))),
            "missing_iat" => Bearer(idp.Mint(alpha, scopes, change: c => c.Remove("iat"))),
            // exp - iat within the cap, but "issued" in ten years: valid for ten years.
            "issued_in_future" => Bearer(idp.Mint(alpha, scopes, issuedAt: now.AddYears(10), lifetime: TimeSpan.FromMinutes(5), change: c => c.Remove("nbf"))),
            // Never keyed by a stand-in: every token without a subject would be one principal.
            "missing_subject" => Bearer(idp.Mint(alpha, scopes, change: c => c.Remove("sub"))),
            // The principal's key joins subject and client id with U+001F: "alice\u001fcli" would be alice of client "cli".
            "control_in_subject" => Bearer(idp.Mint(alpha, scopes, change: c => c["sub"] = "alice\u001fcli")),
            "control_in_client_id" => Bearer(idp.Mint(alpha, scopes, change: c => c["client_id"] = "cli\u0000")),
            "control_in_client_id_array" => Bearer(idp.Mint(alpha, scopes, change: c => c["client_id"] = new[] { "b\u001fc" })),
            // Per-principal state keyed by a 256-byte subject (or client id) did not fit PostgreSQL's unique index beside the longest key.
            "long_subject" => Bearer(idp.Mint(alpha, scopes, change: c => c["sub"] = new string('\u00e9', 128))),
            "long_client_id" => Bearer(idp.Mint(alpha, scopes, change: c => c["client_id"] = "https://client.example.com/" + new string('c', 229))),
            // exp - iat in 64 bits wraps around: a century-long token looked short.
            "lifetime_wrapping_around" => Bearer(idp.Mint(alpha, scopes, change: c => { c["iat"] = long.MinValue; c.Remove("nbf"); c["exp"] = now.AddYears(100).ToUnixTimeSeconds(); })),
            // The last second of year 9999: the kept verdict's end (exp plus the clock skew) overflowed, and the token was
            // called not well-formed instead of too long-lived.
            "expiring_at_the_end_of_time" => Bearer(idp.Mint(alpha, scopes, change: c => c["exp"] = 253402300799L)),
            "alg_none" => Bearer(Unsigned(idp, alpha, scopes)),
            "hs256_with_public_key" => Bearer(SignedWithPublicKey(idp, alpha, scopes)),
            "tampered_payload" => Bearer(Tampered(idp.Mint(alpha, "fixture:read"))),
            "unknown_kid" => Bearer(idp.Mint(alpha, scopes, key: TestIdentityProvider.NewKey())),
            // Signed by the provider's key, but its header makes an extension critical that nobody here understands.
            "unsupported_crit" => Bearer(idp.Mint(alpha, scopes, header: new() { ["crit"] = new[] { "urn:example:must-check" }, ["urn:example:must-check"] = true })),
            _ => throw new ArgumentOutOfRangeException(nameof(fault), fault, null),
        };
    }

    private static string Bearer(string token) => "Bearer " + token;

    private static string B64(string json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json));

    private static string PayloadOf(TestIdentityProvider idp, string audience, string scopes) =>
        Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(idp.Mint(audience, scopes).Split('.')[1]));

    private static string Unsigned(TestIdentityProvider idp, string audience, string scopes) =>
        $"{B64("""{"alg":"none","typ":"JWT"}""")}.{B64(PayloadOf(idp, audience, scopes))}.";

    /// <summary>The classic key-confusion attack: HS256 keyed with the RSA public key, under the real kid.</summary>
    private static string SignedWithPublicKey(TestIdentityProvider idp, string audience, string scopes)
    {
        var publicPem = idp.Current.Rsa.ExportSubjectPublicKeyInfoPem();
        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(publicPem)) { KeyId = idp.Current.KeyId };
        var claims = JsonNode.Parse(PayloadOf(idp, audience, scopes))!.AsObject()
            .ToDictionary(p => p.Key, p => (object)(p.Value!.GetValueKind() == System.Text.Json.JsonValueKind.Number ? p.Value.GetValue<long>() : p.Value.GetValue<string>()));
        return TestIdentityProvider.Sign(claims, key);
    }

    /// <summary>A validly signed token whose payload was then changed to claim more scopes.</summary>
    private static string Tampered(string token)
    {
        var parts = token.Split('.');
        var payload = JsonNode.Parse(Base64UrlEncoder.DecodeBytes(parts[1]))!;
        payload["scope"] = "fixture:read fixture:typed";
        return $"{parts[0]}.{B64(payload.ToJsonString())}.{parts[2]}";
    }
}
