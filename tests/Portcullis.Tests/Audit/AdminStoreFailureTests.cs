using System.Text.Json.Nodes;
using Portcullis.Testing.Servers;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Audit;

/// <summary>The admin plane when the shared state store is gone: every answer is still the catalog's envelope.</summary>
public sealed class AdminStoreFailureTests
{
    [Fact]
    public async Task AdminApi_StateStoreGone_AnswersInternalEnvelopeWithACorrelationIdInTheLog()
    {
        using var dir = new TempDir();
        await using var identity = await TestIdentityProvider.StartAsync().Within(Timeouts.Startup);
        var redis = await RedisServer.StartAsync().Within(Timeouts.Startup);
        var stopped = false;
        try
        {
            File.WriteAllText(dir.File("state-connection"), redis.ConnectionString);
            var config = TestConfig.Gateway(TestConfig.FixtureConnector("fx", ["echo"]));
            config["identity"] = new JsonObject { ["issuer"] = identity.Issuer, ["jwks_uri"] = identity.JwksUri };
            config["state"] = new JsonObject { ["store"] = "redis", ["connection"] = "file:state-connection" };
            config["audit"] = new JsonObject { ["sink"] = "jsonl" };
            config["replica"] = new JsonObject { ["id"] = "replica-0", ["advertise_url"] = "http://127.0.0.1:0" };
            await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"), extraArgs: AdminPlane.ServeArgs)
                .Within(Timeouts.Startup);
            var admin = await AdminPlane.OfAsync(gateway).Within(Timeouts.Startup);
            var token = identity.Mint(admin.BaseUrl + "/admin", "portcullis:admin portcullis:review", change: c => c["sub"] = "operator-1");
            Assert.Equal(200, (await admin.SendAsync(HttpMethod.Get, "/admin/api/reviews", token).Within()).Status);

            stopped = true;
            await redis.DisposeAsync();
            var reviews = await admin.SendAsync(HttpMethod.Get, "/admin/api/reviews", token).Within();
            var keys = await admin.SendAsync(HttpMethod.Get, "/admin/api/idempotency", token).Within();

            foreach (var (status, body, response) in new[] { reviews, keys })
            {
                Assert.Equal(500, status);
                Assert.NotNull(body);
                var error = body["error"]!;
                Assert.Equal("internal", error["code"]!.GetValue<string>());
                Assert.True(error["retryable"]!.GetValue<bool>());
                var correlationId = error["correlation_id"]!.GetValue<string>();
                Assert.Equal(correlationId, response.Headers.GetValues("Portcullis-Correlation-Id").Single());
                await gateway.WaitForOutputAsync($"Request {correlationId}: admin GET", Timeouts.Call);
                Assert.DoesNotContain("redis", error["message"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
            }

            Assert.False(gateway.HasExited);
        }
        finally
        {
            if (!stopped)
            {
                await redis.DisposeAsync();
            }
        }
    }
}
