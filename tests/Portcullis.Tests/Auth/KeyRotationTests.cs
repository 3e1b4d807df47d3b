using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Auth;

/// <summary>The identity provider rotates its keys; the gateway picks up a new kid without a restart.</summary>
public sealed class KeyRotationTests
{
    [Fact]
    public async Task Initialize_TokenSignedWithNewlyPublishedKey_IsAcceptedAfterRefresh()
    {
        await using var auth = await StartWithKeysFetchedAsync();
        var endpoint = auth.Gateway.Endpoint("alpha");

        var fetchesBefore = auth.Idp.JwksRequests;
        var unpublished = TestIdentityProvider.NewKey();
        using (var early = await AuthGateway.PostAsync(endpoint, "Bearer " + auth.Idp.Mint(auth.Resource("alpha"), "fixture:read", key: unpublished), AuthGateway.Initialize))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, early.StatusCode);
        }

        auth.Idp.Rotate(TestIdentityProvider.NewKey());
        var token = auth.Token("alpha");
        // The gateway throttles forced key refreshes (one per 10 s): ask until its next window has come.
        await UntilAcceptedAsync(endpoint, token, Timeouts.Startup, "the token signed with the new key to be accepted");

        Assert.True(auth.Idp.JwksRequests > fetchesBefore, "the gateway should have fetched the JWKS again");
    }

    /// <summary>
    /// Before, the request that made the gateway fetch the keys again was refused (the fetch ran in the background,
    /// after the refusal) and only the next one passed: a client that reads a 401 as "sign in again" would.
    /// </summary>
    [Fact]
    public async Task Initialize_FirstTokenOfAKeyPublishedAfterTheKeysWereFetched_IsAccepted()
    {
        await using var auth = await StartWithKeysFetchedAsync();
        var endpoint = auth.Gateway.Endpoint("alpha");

        auth.Idp.Rotate(TestIdentityProvider.NewKey());
        var fetchesBefore = auth.Idp.JwksRequests;
        using var first = await AuthGateway.PostAsync(endpoint, "Bearer " + auth.Token("alpha"), AuthGateway.Initialize);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(fetchesBefore + 1, auth.Idp.JwksRequests);
    }

    /// <summary>
    /// Before, a token with a made-up kid used up the one fetch for an unknown key per ten seconds: the first token of a
    /// key the provider published just after was refused 401 invalid_token (so the client dropped it) until the next
    /// window. Now it waits for that window's fetch and passes; the made-up kid cost one fetch, the real token one more.
    /// </summary>
    [Fact]
    public async Task Initialize_TokenOfANewKeyRightAfterAMadeUpKid_IsAcceptedNotStarved()
    {
        await using var auth = await StartWithKeysFetchedAsync();
        var endpoint = auth.Gateway.Endpoint("alpha");
        var fetchesBefore = auth.Idp.JwksRequests;

        using var madeUp = await AuthGateway.PostAsync(endpoint,
            "Bearer " + auth.Idp.Mint(auth.Resource("alpha"), "fixture:read", key: TestIdentityProvider.NewKey()), AuthGateway.Initialize).Within();
        auth.Idp.Rotate(TestIdentityProvider.NewKey());
        using var real = await AuthGateway.PostAsync(endpoint, "Bearer " + auth.Token("alpha"), AuthGateway.Initialize).Within();

        Assert.Equal(HttpStatusCode.Unauthorized, madeUp.StatusCode);
        Assert.Equal(HttpStatusCode.OK, real.StatusCode);
        Assert.Equal(fetchesBefore + 2, auth.Idp.JwksRequests);
    }

    /// <summary>
    /// Before, a token of a key the provider published during its outage was refused 401 invalid_token, "signed with a
    /// key the authorization server does not publish" (not retryable), while the fetch for it failed: the client dropped
    /// a good token and signed in again, to be refused the same way. Known keys kept passing, as they still do.
    /// </summary>
    [Fact]
    public async Task Initialize_ProviderDownAfterTheKeysWereFetched_KnownKeysStillPassAndAnUnknownOneIsRetryable()
    {
        await using var auth = await StartWithKeysFetchedAsync();
        var endpoint = auth.Gateway.Endpoint("alpha");

        auth.Idp.Failing = true;
        var fetched = auth.Idp.Current;
        auth.Idp.Rotate(TestIdentityProvider.NewKey());
        var token = auth.Token("alpha");
        using var unknown = await AuthGateway.PostAsync(endpoint, "Bearer " + token, AuthGateway.Initialize).Within();
        using var known = await AuthGateway.PostAsync(endpoint, "Bearer " + auth.Idp.Mint(auth.Resource("alpha"), "fixture:read",
            key: fetched, change: c => c["sub"] = "second-user"), AuthGateway.Initialize).Within();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, unknown.StatusCode);
        Assert.Empty(unknown.Headers.WwwAuthenticate);
        var error = JsonNode.Parse(await unknown.Content.ReadAsStringAsync().Within())!["error"]!;
        Assert.Equal("identity_unavailable", error["code"]!.GetValue<string>());
        Assert.True(error["retryable"]!.GetValue<bool>());
        AssertRetryAfterWithinTheBackoff(unknown, error);
        Assert.Equal(HttpStatusCode.OK, known.StatusCode);
        await Poll.UntilAsync(() => auth.Gateway.Output.Contains("fetching the signing keys from"), Timeouts.Call, "the failed fetch to be logged");

        // Once the provider answers, the same token passes, and one of a key it does not publish is refused for that.
        auth.Idp.Failing = false;
        await UntilAcceptedAsync(endpoint, token, Timeouts.Startup, "the token of the key published during the outage to pass once the provider answers");
        await Poll.UntilAsync(
            async _ =>
            {
                using var response = await AuthGateway.PostAsync(endpoint,
                    "Bearer " + auth.Idp.Mint(auth.Resource("alpha"), "fixture:read", key: TestIdentityProvider.NewKey()), AuthGateway.Initialize);
                return response.StatusCode == HttpStatusCode.Unauthorized
                    && AuthGateway.Challenge(response).Contains("signed with a key the authorization server does not publish", StringComparison.Ordinal);
            },
            Timeouts.Startup,
            "a token of an unpublished key to be refused 401 once the provider answers");
    }

    /// <summary>
    /// Before, while the provider had not answered since the gateway started, every valid token was refused 401
    /// invalid_token as "signed with a key the authorization server does not publish" (not retryable): a client drops
    /// such a token and signs in again, to be refused the same way. Nothing was wrong with the token.
    /// </summary>
    [Fact]
    public async Task Initialize_ProviderDownSinceStart_ValidTokenIsAnsweredRetryable503ThenPassesOnceItAnswers()
    {
        await using var auth = await AuthGateway.StartAsync(config => config["admin"] = new JsonObject { ["listen"] = "http://127.0.0.1:0" });
        var endpoint = auth.Gateway.Endpoint("alpha");
        var admin = await AdminPlane.OfAsync(auth.Gateway);
        auth.Idp.Failing = true;
        var token = auth.Token("alpha");
        var adminToken = auth.Idp.Mint(admin.BaseUrl + "/admin", "portcullis:admin");

        using var down = await AuthGateway.PostAsync(endpoint, "Bearer " + token, AuthGateway.Initialize).Within();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.Empty(down.Headers.WwwAuthenticate);
        var error = JsonNode.Parse(await down.Content.ReadAsStringAsync().Within())!["error"]!;
        Assert.Equal("identity_unavailable", error["code"]!.GetValue<string>());
        Assert.True(error["retryable"]!.GetValue<bool>());
        AssertRetryAfterWithinTheBackoff(down, error);
        var correlationId = down.Headers.GetValues("Portcullis-Correlation-Id").Single();
        Assert.Equal(correlationId, error["correlation_id"]!.GetValue<string>());

        // The log tells what the caller was answered: the token was not checked, and the answer was a 503 (it said 401).
        await auth.Gateway.WaitForOutputAsync($"answered 503 identity_unavailable (correlation id {correlationId})", Timeouts.Call);
        Assert.DoesNotContain($"answered 401 (correlation id {correlationId})", auth.Gateway.Output, StringComparison.Ordinal);

        // A token that is not a JWT is still refused as such: nothing about the keys is needed to tell.
        using var garbage = await AuthGateway.PostAsync(endpoint, "Bearer not-a-jwt", AuthGateway.Initialize).Within();
        Assert.Equal(HttpStatusCode.Unauthorized, garbage.StatusCode);

        // The admin plane answers the same, in its own envelope.
        var (status, body, response) = await admin.SendAsync(HttpMethod.Get, "/admin/api/connectors", adminToken).Within();
        Assert.Equal(503, status);
        Assert.Equal("identity_unavailable", body!["error"]!["code"]!.GetValue<string>());
        AssertRetryAfterWithinTheBackoff(response, body["error"]!);
        Assert.Empty(response.Headers.WwwAuthenticate);

        auth.Idp.Failing = false;
        await UntilAcceptedAsync(endpoint, token, Timeouts.Call, "the token to pass once the provider answers");
        await Poll.UntilAsync(
            async _ => (await admin.SendAsync(HttpMethod.Get, "/admin/api/connectors", adminToken)).Status == 200,
            Timeouts.Call,
            "the admin token to pass once the provider answers");
    }

    /// <summary>
    /// Before, a token of a new key that waited for the next fetch (within 10 s of one for a made-up kid) and found it
    /// unanswered was told Retry-After: 5, while that fetch ran on for up to 10 s: its retry waited for the same fetch
    /// again. Now Retry-After and retry_after_seconds are the time until a fetch may next begin, rounded up.
    /// </summary>
    [Fact]
    public async Task Initialize_NewKeyWhoseFetchDoesNotAnswer_RetryAfterIsTheTimeUntilTheNextFetchMayBegin()
    {
        await using var auth = await StartWithKeysFetchedAsync();
        var endpoint = auth.Gateway.Endpoint("alpha");
        var madeUpKey = TestIdentityProvider.NewKey();
        var newKey = TestIdentityProvider.NewKey();
        using (var madeUp = await AuthGateway.PostAsync(endpoint, "Bearer " + auth.Idp.Mint(auth.Resource("alpha"), "fixture:read", key: madeUpKey), AuthGateway.Initialize).Within())
        {
            Assert.Equal(HttpStatusCode.Unauthorized, madeUp.StatusCode);
        }

        var hold = new TaskCompletionSource();
        auth.Idp.HoldAnswers = hold.Task;
        try
        {
            auth.Idp.Rotate(newKey);
            var fetchesBefore = auth.Idp.JwksRequests;
            using var real = await AuthGateway.PostAsync(endpoint, "Bearer " + auth.Token("alpha"), AuthGateway.Initialize).Within();
            var sinceTheFetchBegan = Stopwatch.GetElapsedTime(auth.Idp.LastJwksRequestAt);

            Assert.Equal(HttpStatusCode.ServiceUnavailable, real.StatusCode);
            Assert.Equal(fetchesBefore + 1, auth.Idp.JwksRequests);
            var error = JsonNode.Parse(await real.Content.ReadAsStringAsync().Within())!["error"]!;
            Assert.Equal("identity_unavailable", error["code"]!.GetValue<string>());
            // The fetch began when the made-up kid's 10 s were over, and the request's own 10 s ran out just after: that
            // fetch may go on for 10 s from its start, and no other begins before it ends (measured from when the provider
            // saw it, so a slow host does not shorten what is left).
            var retryAfter = real.Headers.RetryAfter?.Delta ?? throw new InvalidOperationException("no Retry-After delay");
            var leastLeft = TimeSpan.FromSeconds(Math.Max(1, Math.Floor((TimeSpan.FromSeconds(10) - sinceTheFetchBegan).TotalSeconds)));
            Assert.InRange(retryAfter, leastLeft, TimeSpan.FromSeconds(10));
            Assert.Equal((int)retryAfter.TotalSeconds, error["retry_after_seconds"]!.GetValue<int>());
        }
        finally
        {
            hold.TrySetResult();
        }
    }

    /// <summary>
    /// Before, a key the provider had withdrawn still verified new tokens after the gateway fetched the keys again:
    /// IdentityModel tried a token that failed against the current keys against the key sets of the last hour.
    /// </summary>
    [Fact]
    public async Task Initialize_KeyWithdrawnByTheProvider_ItsTokensAreRefusedOnceTheKeysAreFetchedAgain()
    {
        await using var auth = await AuthGateway.StartAsync();
        var endpoint = auth.Gateway.Endpoint("alpha");
        var withdrawn = auth.Idp.Current;
        var cached = auth.Token("alpha");
        using (var before = await AuthGateway.PostAsync(endpoint, "Bearer " + cached, AuthGateway.Initialize))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        auth.Idp.Withdraw(withdrawn, TestIdentityProvider.NewKey());
        var fetchesBefore = auth.Idp.JwksRequests;
        // A token with a kid the gateway does not know makes it fetch the keys again (at most once every 10 s).
        var unknownKid = auth.Idp.Mint(auth.Resource("alpha"), "fixture:read", key: TestIdentityProvider.NewKey());
        await Poll.UntilAsync(
            async _ =>
            {
                using var response = await AuthGateway.PostAsync(endpoint, "Bearer " + unknownKid, AuthGateway.Initialize);
                return auth.Idp.JwksRequests > fetchesBefore;
            },
            Timeouts.Startup,
            "the gateway to fetch the keys again");

        var fresh = auth.Idp.Mint(auth.Resource("alpha"), "fixture:read", key: withdrawn, change: claims => claims["sub"] = "another-user");
        foreach (var token in new[] { fresh, cached })
        {
            // The fetch is done once the keys it brought are in use: a token of the new key passes then.
            await Poll.UntilAsync(
                async _ =>
                {
                    using var current = await AuthGateway.PostAsync(endpoint, "Bearer " + auth.Token("alpha"), AuthGateway.Initialize);
                    using var response = await AuthGateway.PostAsync(endpoint, "Bearer " + token, AuthGateway.Initialize);
                    return current.StatusCode == HttpStatusCode.OK && response.StatusCode == HttpStatusCode.Unauthorized;
                },
                Timeouts.Startup,
                "a token signed with the withdrawn key to be refused");
        }
    }

    /// <summary>
    /// Before, the admin plane held a key set of its own, fetched on its first request: with the provider down after the
    /// gateway had fetched its keys for agents' tokens, an operator's admin token of those very keys was answered 503
    /// identity_unavailable ("not fetched since start"), so outcome-unknown keys could not be settled during the outage.
    /// </summary>
    [Fact]
    public async Task AdminApi_ProviderDownAfterTheGatewayFetchedItsKeys_AdminTokenOfAKnownKeyPasses()
    {
        await using var auth = await AuthGateway.StartAsync(config => config["admin"] = new JsonObject { ["listen"] = "http://127.0.0.1:0" });
        var admin = await AdminPlane.OfAsync(auth.Gateway);
        using (var first = await AuthGateway.PostAsync(auth.Gateway.Endpoint("alpha"), "Bearer " + auth.Token("alpha"), AuthGateway.Initialize).Within())
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        auth.Idp.Failing = true;
        var fetchesBefore = auth.Idp.JwksRequests;
        var (status, body, _) = await admin.SendAsync(HttpMethod.Get, "/admin/api/connectors", auth.Idp.Mint(admin.BaseUrl + "/admin", "portcullis:admin")).Within();

        Assert.True(status == 200, $"the admin token was answered {status}: {body?.ToJsonString()}");
        Assert.Equal(fetchesBefore, auth.Idp.JwksRequests);
    }

    /// <summary>
    /// The provider answers at once with a failure: the next fetch may begin after the backoff (1 s, then up to 10 s),
    /// which Retry-After and retry_after_seconds name, rounded up.
    /// </summary>
    private static void AssertRetryAfterWithinTheBackoff(HttpResponseMessage response, JsonNode error)
    {
        var retryAfter = response.Headers.RetryAfter?.Delta ?? throw new InvalidOperationException("no Retry-After delay");
        Assert.InRange(retryAfter, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        Assert.Equal((int)retryAfter.TotalSeconds, error["retry_after_seconds"]!.GetValue<int>());
    }

    /// <summary>A gateway that has fetched the provider's keys: a token of the current key has passed (and its verdict is kept).</summary>
    /// <summary>Initializes with <paramref name="token"/> until it is accepted, within <paramref name="timeout"/>.</summary>
    private static Task UntilAcceptedAsync(Uri endpoint, string token, TimeSpan timeout, string because) =>
        Poll.UntilAsync(
            async _ =>
            {
                using var response = await AuthGateway.PostAsync(endpoint, "Bearer " + token, AuthGateway.Initialize);
                return response.StatusCode == HttpStatusCode.OK;
            },
            timeout,
            because);

    private static async Task<AuthGateway> StartWithKeysFetchedAsync()
    {
        var auth = await AuthGateway.StartAsync();
        try
        {
            using var first = await AuthGateway.PostAsync(auth.Gateway.Endpoint("alpha"), "Bearer " + auth.Token("alpha"), AuthGateway.Initialize);
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            return auth;
        }
        catch
        {
            await auth.DisposeAsync();
            throw;
        }
    }
}
