using System.Text.Json.Nodes;
using Portcullis.Tests.Idempotency;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Review;

/// <summary>The review webhook as a receiver that answers otherwise than expected sees it.</summary>
public sealed class ReviewWebhookTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    /// <summary>
    /// Before, a 307 from the receiver was followed, POST and body, so the review's summary went wherever the receiver
    /// pointed (an internal host as readily as any). A redirect is now a failed delivery, logged, and not tried again.
    /// </summary>
    [Fact]
    public async Task Redirect_IsNotFollowed_TheDeliveryFails()
    {
        await using var webhook = await WebhookReceiver.StartAsync(failFirst: 0, redirect: true);
        using var dir = new TempDir();
        var config = ReviewedEchoGateway.Config();
        config["review"] = new JsonObject { ["notify_url"] = webhook.Url };
        await using var gateway = await ReviewedEchoGateway.StartAsync(dir, config);
        await using var alice = await ReviewedEchoGateway.AgentAsync(gateway, "alice");

        var held = await alice.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "hi", ["idempotency_key"] = "k-redirect" }).AsTask().WaitAsync(Timeout);

        Assert.Equal("review_pending", Witness.ErrorCode(held));
        await gateway.WaitForOutputAsync("the review webhook failed after every attempt", Timeout);
        Assert.Equal(1, webhook.Failed);
        Assert.Equal(0, webhook.Redirected);
    }
}
