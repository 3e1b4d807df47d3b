using System.Net;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Auth;

/// <summary>The identity provider rotates its keys; the gateway picks up a new kid without a restart.</summary>
public sealed class KeyRotationTests
{
    [Fact]
    public async Task Initialize_TokenSignedWithNewlyPublishedKey_IsAcceptedAfterRefresh()
    {
        await using var auth = await AuthGateway.StartAsync();
        var endpoint = auth.Gateway.Endpoint("alpha");
        using (var before = await AuthGateway.PostAsync(endpoint, "Bearer " + auth.Token("alpha"), AuthGateway.Initialize))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        var fetchesBefore = auth.Idp.JwksRequests;
        var unpublished = TestIdentityProvider.NewKey();
        using (var early = await AuthGateway.PostAsync(endpoint, "Bearer " + auth.Idp.Mint(auth.Resource("alpha"), "fixture:read", key: unpublished), AuthGateway.Initialize))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, early.StatusCode);
        }

        auth.Idp.Rotate(TestIdentityProvider.NewKey());
        var token = auth.Token("alpha");
        // The gateway throttles forced key refreshes (one per 10 s): ask until its next window has come.
        await Poll.UntilAsync(
            async _ =>
            {
                using var response = await AuthGateway.PostAsync(endpoint, "Bearer " + token, AuthGateway.Initialize);
                return response.StatusCode == HttpStatusCode.OK;
            },
            Timeouts.Startup,
            "the token signed with the new key to be accepted");

        Assert.True(auth.Idp.JwksRequests > fetchesBefore, "the gateway should have fetched the JWKS again");
    }
}
