using System.Threading.Channels;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Infrastructure;
using Xunit;

namespace Portcullis.Tests.Protocol;

/// <summary>Resources pass through under <c>resources_allow</c>; what is not allowed answers exactly as unknown.</summary>
public sealed class ResourcesPassthroughTests(PassthroughGatewayFixture fixture) : IClassFixture<PassthroughGatewayFixture>
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    [Theory]
    [MemberData(nameof(Versions.Both), MemberType = typeof(Versions))]
    public async Task ListResources_AllowList_ShowsOnlyAllowedResources(string version)
    {
        await using var client = await fixture.Gateway.ConnectAsync(version);

        var resources = await client.ListResourcesAsync(new ListResourcesRequestParams(), Timeout);

        Assert.Equal(["test://static-text", "test://watched-resource"], resources.Resources.Select(r => r.Uri).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// Before, a 2026-07-28 client was offered resource subscriptions (and list changes) that the gateway, which keeps
    /// no session for it, has no stream to deliver: its <c>subscriptions/listen</c> would be granted nothing.
    /// </summary>
    [Theory]
    [InlineData(Versions.V2025, true)]
    [InlineData(Versions.V2026, false)]
    public async Task Capabilities_OfferSubscriptionsAndListChangesOnlyWhereTheyCanBeDelivered(string version, bool delivered)
    {
        await using var client = await fixture.Gateway.ConnectAsync(version);

        var capabilities = client.ServerCapabilities;

        Assert.NotNull(capabilities.Resources);
        Assert.Equal(delivered, capabilities.Resources.Subscribe == true);
        Assert.Equal(delivered, capabilities.Resources.ListChanged == true);
        Assert.Equal(delivered, capabilities.Tools?.ListChanged == true);
        Assert.Equal(delivered, capabilities.Prompts?.ListChanged == true);
    }

    [Theory]
    [MemberData(nameof(Versions.Both), MemberType = typeof(Versions))]
    public async Task ListResourceTemplates_AllowList_ShowsTheAllowedTemplate(string version)
    {
        await using var client = await fixture.Gateway.ConnectAsync(version);

        var templates = await client.ListResourceTemplatesAsync(new ListResourceTemplatesRequestParams(), Timeout);

        Assert.Equal(["test://template/{id}/data"], templates.ResourceTemplates.Select(t => t.UriTemplate));
    }

    [Theory]
    [MemberData(nameof(Versions.Both), MemberType = typeof(Versions))]
    public async Task ReadResource_Allowed_ReturnsUpstreamContents(string version)
    {
        await using var client = await fixture.Gateway.ConnectAsync(version);

        var read = await client.ReadResourceAsync(new ReadResourceRequestParams { Uri = "test://static-text" }, Timeout);

        Assert.Equal("This is the content of the static text resource.", Assert.IsType<TextResourceContents>(Assert.Single(read.Contents)).Text);
    }

    [Fact]
    public async Task ReadResource_UriUnderAllowedTemplate_ReturnsUpstreamContents()
    {
        await using var client = await fixture.Gateway.ConnectAsync(Versions.V2025);

        var read = await client.ReadResourceAsync(new ReadResourceRequestParams { Uri = "test://template/42/data" }, Timeout);

        Assert.Contains("Data for ID: 42", Assert.IsType<TextResourceContents>(Assert.Single(read.Contents)).Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Versions.V2025, McpErrorCode.ResourceNotFound)]
    [InlineData(Versions.V2026, McpErrorCode.InvalidParams)]
    public async Task ReadResource_HiddenByPolicy_AnswersExactlyAsAMissingResource(string version, McpErrorCode expected)
    {
        await using var client = await fixture.Gateway.ConnectAsync(version);

        var hidden = await Assert.ThrowsAsync<McpProtocolException>(() => client.ReadResourceAsync(new ReadResourceRequestParams { Uri = "test://static-binary" }, Timeout).AsTask());
        var missing = await Assert.ThrowsAsync<McpProtocolException>(() => client.ReadResourceAsync(new ReadResourceRequestParams { Uri = "test://template/x/y/data" }, Timeout).AsTask());

        Assert.Equal(expected, hidden.ErrorCode);
        Assert.Equal(expected, missing.ErrorCode);
    }

    [Fact]
    public async Task Subscribe_HiddenResource_Refused()
    {
        await using var client = await fixture.Gateway.ConnectAsync(Versions.V2025);

        var error = await Assert.ThrowsAsync<McpProtocolException>(() => client.SubscribeToResourceAsync(new SubscribeRequestParams { Uri = "test://static-binary" }, Timeout));

        Assert.Equal(McpErrorCode.ResourceNotFound, error.ErrorCode);
    }

    /// <summary>
    /// Before, one session could subscribe to any number of URIs under an allowed template, each kept for the session's
    /// life: a client writing new URIs grew the gateway's memory without end.
    /// </summary>
    [Fact]
    public async Task Subscribe_PastTheSessionsLimit_IsRefusedUntilOneIsUnsubscribed()
    {
        await using var client = await fixture.Gateway.ConnectAsync(Versions.V2025);
        static SubscribeRequestParams Uri(int i) => new() { Uri = $"test://template/limit{i}/data" };
        for (var i = 0; i < 1_000; i++)
        {
            await client.SubscribeToResourceAsync(Uri(i), Timeout);
        }

        var refused = await Assert.ThrowsAsync<McpProtocolException>(() => client.SubscribeToResourceAsync(Uri(1_000), Timeout));
        await client.SubscribeToResourceAsync(Uri(999), Timeout);
        await client.UnsubscribeFromResourceAsync(new UnsubscribeRequestParams { Uri = Uri(0).Uri }, Timeout);
        await client.SubscribeToResourceAsync(Uri(1_000), Timeout);

        Assert.Equal(McpErrorCode.InvalidRequest, refused.ErrorCode);
        Assert.Contains("subscribed to 1000 resources", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscribe_UpstreamAnnouncesUpdate_OnlyTheSubscriberIsNotified()
    {
        await using var subscriber = await fixture.Gateway.ConnectAsync(Versions.V2025);
        await using var bystander = await fixture.Gateway.ConnectAsync(Versions.V2025);
        var updated = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var bystanderNotified = 0;
        await using var onUpdate = subscriber.RegisterNotificationHandler(NotificationMethods.ResourceUpdatedNotification, (n, _) =>
        {
            updated.TrySetResult(n.Params?["uri"]?.GetValue<string>() ?? "");
            return default;
        });
        await using var onBystander = bystander.RegisterNotificationHandler(NotificationMethods.ResourceUpdatedNotification, (_, _) =>
        {
            Interlocked.Increment(ref bystanderNotified);
            return default;
        });

        await subscriber.SubscribeToResourceAsync(new SubscribeRequestParams { Uri = "test://watched-resource" }, Timeout);
        // The subscriber opens its stream for unsolicited messages in the background once connected, and what is sent
        // before it is open is dropped (best effort, as the protocol allows): touch again until it is heard.
        await Poll.UntilAsync(
            async ct =>
            {
                await bystander.CallToolAsync(new CallToolRequestParams
                {
                    Name = "test_touch_resource",
                    Arguments = new Dictionary<string, System.Text.Json.JsonElement> { ["uri"] = System.Text.Json.JsonSerializer.SerializeToElement("test://watched-resource") },
                }, ct);
                return await Task.WhenAny(updated.Task, Task.Delay(TimeSpan.FromSeconds(2), ct)) == updated.Task;
            },
            Timeouts.Call,
            "the subscriber to be told that the resource changed");

        Assert.Equal("test://watched-resource", await updated.Task);
        // The bystander's own call carried the same notification path; had it been sent to everyone it would be here by now.
        await bystander.PingAsync(cancellationToken: Timeout);
        Assert.Equal(0, Volatile.Read(ref bystanderNotified));
        await subscriber.UnsubscribeFromResourceAsync(new UnsubscribeRequestParams { Uri = "test://watched-resource" }, Timeout);
    }

    /// <summary>
    /// The upstream (a stdio child) is killed and started again while a session is subscribed to one of its resources. The
    /// new process holds none of its predecessor's subscriptions, and a server that keeps them announces an update only to
    /// a client subscribed to it: before, the gateway never told the new process, so the session heard of no change again.
    /// </summary>
    [Fact]
    public async Task Subscribe_UpstreamRestarted_TheNewProcessIsSubscribedAndUpdatesReachTheSession()
    {
        await using var gateway = await PassthroughGateway.StartAsync();
        await gateway.Process.WaitReadyAsync(Timeouts.Call);
        await using var subscriber = await gateway.ConnectAsync(Versions.V2025);
        var (updates, onUpdate) = await SubscribeAndHearAsync(subscriber);
        await using var _ = onUpdate;

        var child = Assert.Single(gateway.Process.ChildProcessIds());
        System.Diagnostics.Process.GetProcessById(child).Kill();
        await Poll.UntilAsync(
            _ => Task.FromResult(gateway.Process.ChildProcessIds() is [var next] && next != child),
            Timeouts.Call,
            () => "the upstream to be started again");
        await gateway.Process.WaitReadyAsync(Timeouts.Call);

        var touched = await TouchUntilHeardAsync(subscriber, updates);
        Assert.Equal("Announced an update of test://watched-resource", touched);
        await gateway.Process.WaitForOutputAsync("the new upstream connection was subscribed to the 1 resources", Timeouts.Call);
    }

    /// <summary>
    /// The gateway is killed and started again while a session is subscribed. Its client continues the session and opens
    /// its event stream again, on a process (and an upstream) that never saw the subscription: before, no update reached
    /// it again, though it had been told it was subscribed. The stream opened again now holds what its client subscribed to.
    /// </summary>
    [Fact]
    public async Task Subscribe_GatewayRestarted_TheStreamOpenedAgainHoldsTheSessionsSubscriptions()
    {
        await using var gateway = await PassthroughGateway.StartAsync();
        await using var subscriber = await gateway.ConnectAsync(Versions.V2025);
        var (updates, onUpdate) = await SubscribeAndHearAsync(subscriber);
        await using var _ = onUpdate;

        await gateway.Process.KillAsync();
        await using var restarted = await gateway.Process.RestartAsync();

        // The SDK's client gives its stream up once the gateway is gone this long; the session's stream is opened again
        // here as a client that keeps it does (the session's requests continue through the SDK's client).
        using var http = new HttpClient { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        using var stream = await EventStream.OpenAsync(http, gateway.Endpoint, subscriber.SessionId!, Versions.V2025, Timeout);
        var touched = await TouchUntilHeardAsync(subscriber, stream.Updates);
        Assert.Equal("Announced an update of test://watched-resource", touched);
        await restarted.WaitForOutputAsync("holds again the 1 resource subscriptions its client made", Timeouts.Call);

        // Unsubscribed, it is forgotten: the next process to open the stream does not hold it.
        await subscriber.UnsubscribeFromResourceAsync(new UnsubscribeRequestParams { Uri = "test://watched-resource" }, Timeout);
        await restarted.KillAsync();
        await using var again = await restarted.RestartAsync();
        using var reopened = await EventStream.OpenAsync(http, gateway.Endpoint, subscriber.SessionId!, Versions.V2025, Timeout);
        var said = await subscriber.CallToolAsync(new CallToolRequestParams
        {
            Name = "test_touch_resource",
            Arguments = new Dictionary<string, System.Text.Json.JsonElement> { ["uri"] = System.Text.Json.JsonSerializer.SerializeToElement("test://watched-resource") },
        }, Timeout);
        Assert.Equal("Nobody is subscribed to test://watched-resource", said.Content.OfType<TextContentBlock>().FirstOrDefault()?.Text);
    }

    /// <summary>Subscribes to the watched resource and touches it until the update is heard: the session's stream is open and holds it.</summary>
    internal static async Task<(ChannelReader<string> Updates, IAsyncDisposable Handler)> SubscribeAndHearAsync(ModelContextProtocol.Client.McpClient subscriber)
    {
        var updates = Channel.CreateUnbounded<string>();
        var handler = subscriber.RegisterNotificationHandler(NotificationMethods.ResourceUpdatedNotification, (n, _) =>
        {
            updates.Writer.TryWrite(n.Params?["uri"]?.GetValue<string>() ?? "");
            return default;
        });
        await subscriber.SubscribeToResourceAsync(new SubscribeRequestParams { Uri = "test://watched-resource" }, Timeout);
        await TouchUntilHeardAsync(subscriber, updates.Reader);
        return (updates.Reader, handler);
    }

    /// <summary>Touches the watched resource until the subscriber hears of it; returns what the upstream said to the touch.</summary>
    internal static async Task<string> TouchUntilHeardAsync(ModelContextProtocol.Client.McpClient subscriber, ChannelReader<string> updates)
    {
        var said = "";
        await Poll.UntilAsync(
            async ct =>
            {
                var touched = await subscriber.CallToolAsync(new CallToolRequestParams
                {
                    Name = "test_touch_resource",
                    Arguments = new Dictionary<string, System.Text.Json.JsonElement> { ["uri"] = System.Text.Json.JsonSerializer.SerializeToElement("test://watched-resource") },
                }, ct);
                said = touched.Content.OfType<TextContentBlock>().FirstOrDefault()?.Text ?? "";
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
                wait.CancelAfter(TimeSpan.FromSeconds(2));
                try
                {
                    return await updates.ReadAsync(wait.Token) == "test://watched-resource";
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    return false;
                }
            },
            Timeouts.Call,
            () => $"the subscriber to be told that the resource changed (the upstream last said: {said})");
        return said;
    }
}
