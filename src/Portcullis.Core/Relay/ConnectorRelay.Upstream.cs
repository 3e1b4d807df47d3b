using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Upstreams;

namespace Portcullis.Core.Relay;

/// <summary>The upstream side: handlers the shared upstream client runs for what its server sends.</summary>
internal sealed partial class ConnectorRelay
{
    /// <summary>The least time between two resources (or prompts) <c>list_changed</c> notifications the relay passes on.</summary>
    internal static readonly TimeSpan ListChangedSpacing = TimeSpan.FromMilliseconds(200);

    /// <summary>Gives the upstream client the handlers that route the server's requests and notifications downstream.</summary>
    public void ConfigureClient(McpClientOptions options)
    {
        options.Handlers.SamplingHandler = (request, _, cancellationToken) => AskAsync(
            "sampling", s => CanSample(s.ClientCapabilities?.Sampling, request),
            s => s.SampleAsync(request!, cancellationToken), () => InputRequest.ForSampling(request!), InputResponse.CreateMessageResultJsonTypeInfo, cancellationToken);
        options.Handlers.ElicitationHandler = async (request, cancellationToken) => KnownAction(await AskAsync(
            "elicitation", s => CanElicit(s.ClientCapabilities?.Elicitation, request),
            s => s.ElicitAsync(request!, cancellationToken), () => InputRequest.ForElicitation(request!), InputResponse.ElicitResultJsonTypeInfo, cancellationToken).ConfigureAwait(false));
        options.Handlers.RootsHandler = async (request, cancellationToken) =>
        {
            // Roots asked outside any call (often right after connecting) get an empty list: no client's
            // file system is offered to the upstream unless that client's own call caused the question.
            var call = Attribute();
            if (call?.Downstream.ClientCapabilities?.Roots is null)
            {
                return new ListRootsResult { Roots = [] };
            }

            return await AskAsync(
                "roots", _ => true,
                s => s.RequestRootsAsync(request ?? new ListRootsRequestParams(), cancellationToken), () => InputRequest.ForRootsList(request ?? new ListRootsRequestParams()),
                InputResponse.ListRootsResultJsonTypeInfo, cancellationToken).ConfigureAwait(false);
        };
        var resourcesChanged = new CoalescedSend(ct => BroadcastAsync(NotificationMethods.ResourceListChangedNotification, ct), ListChangedSpacing, time);
        var promptsChanged = new CoalescedSend(ct => BroadcastAsync(NotificationMethods.PromptListChangedNotification, ct), ListChangedSpacing, time);
        options.Handlers.NotificationHandlers =
        [
            // Progress and log messages never reach these handlers: Take relays them in the order they came.
            new(NotificationMethods.ResourceUpdatedNotification, OnResourceUpdatedAsync),
            // A burst of announcements is passed on as a few: what they say is only "list again".
            new(NotificationMethods.ResourceListChangedNotification, (_, ct) => resourcesChanged.RequestAsync(ct)),
            new(NotificationMethods.PromptListChangedNotification, (_, ct) => promptsChanged.RequestAsync(ct)),

            // The upstream's tools/list_changed is not passed on: the supervisor lists again and the catalog rebuild
            // tells the sessions once the gateway's own list has changed (NotifyToolsChangedAsync).
        ];
    }

    /// <summary>
    /// Whether the client declared the sampling this request needs: a request offering tools (or a tool choice) needs
    /// <c>sampling.tools</c>. The SDK's server does not check it, and a client asked over multi round-trip requests is not
    /// asked through the SDK at all.
    /// </summary>
    internal static bool CanSample(SamplingCapability? capability, CreateMessageRequestParams? request) =>
        capability is not null && (capability.Tools is not null || (request?.Tools is not { Count: > 0 } && request?.ToolChoice is null));

    /// <summary>
    /// Whether the client declared the elicitation mode this request uses: <c>url</c> needs <c>elicitation.url</c>; a form
    /// needs <c>elicitation.form</c>, or an empty <c>elicitation</c> (which means form). A client asked over multi
    /// round-trip requests is not asked through the SDK, which checks the mode on a session's request only.
    /// </summary>
    internal static bool CanElicit(ElicitationCapability? capability, ElicitRequestParams? request) =>
        capability is not null && (string.Equals(request?.Mode, "url", StringComparison.Ordinal)
            ? capability.Url is not null
            : capability.Form is not null || capability.Url is null);

    /// <summary>
    /// The client's answer to an elicitation, if its action is one the protocol knows (accept, decline, cancel). Neither the
    /// SDK nor a multi round-trip answer checks it, and an upstream reading any other action could take it for either.
    /// </summary>
    internal static ElicitResult KnownAction(ElicitResult answer) =>
        answer.Action is "accept" or "decline" or "cancel"
            ? answer
            : throw new McpException("The calling client answered the elicitation with an action other than accept, decline or cancel.");

    private async ValueTask<T> AskAsync<T>(
        string feature,
        Func<McpServer, bool> supported,
        Func<McpServer, ValueTask<T>> ask,
        Func<InputRequest> inputRequest,
        JsonTypeInfo<T> answerType,
        CancellationToken cancellationToken)
    {
        var call = Attribute();
        if (call is null)
        {
            _unattributed.Refused(feature);
            throw new McpException($"The gateway cannot tell which client this {feature} request belongs to.");
        }

        if (!supported(call.Downstream))
        {
            throw new McpException($"The calling client does not support this {feature} request (it did not declare the capability, or the mode or tool use the request needs).");
        }

        if (call.Pending is null && call.Downstream.SessionId is null)
        {
            throw new McpException($"The calling client cannot be asked for {feature} during this call.");
        }

        Log.RelayAsked(logger, connector, feature);
        try
        {
            if (call.Pending is { } pending)
            {
                // A stateless caller: the question travels back as an input-required result of its call.
                var answer = await pending.AskAsync(inputRequest(), cancellationToken).ConfigureAwait(false);
                return ReadAnswer(answer, answerType, feature);
            }

            return await ask(call.Downstream).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The upstream learns only that its request failed; the operator learns why: the client's error answer (an
            // McpException), an answer that does not fit the request, or a failure of the gateway's own relaying.
            Log.RelayAskFailed(logger, connector, feature, AskFailure(ex), ex is McpException ? null : ex);
            throw;
        }
    }

    /// <summary>A stateless client's answer as the type the upstream asked for; one of another shape is the client's error.</summary>
    private static T ReadAnswer<T>(InputResponse answer, JsonTypeInfo<T> answerType, string feature)
    {
        try
        {
            return answer.Deserialize(answerType) ?? throw new McpException($"The calling client sent no {feature} answer.");
        }
        catch (JsonException ex)
        {
            throw new McpException($"The calling client's answer to the {feature} request is not what such a request expects: {ex.Message}", ex);
        }
    }

    /// <summary>Why asking the client failed, in one line: the exception's type and its message, cut to 300 characters.</summary>
    private static string AskFailure(Exception exception)
    {
        var message = exception.Message.ReplaceLineEndings(" ");
        return $"{exception.GetType().Name}: {(message.Length > 300 ? message[..300] + "…" : message)}";
    }

    /// <summary>
    /// Sees each message from the upstream as it arrives, before the client handles it on a task of its own, and keeps
    /// (returns true for) progress and log messages: they are queued for their call's client right here, so the call's
    /// answer, which arrives after them, waits for them (<see cref="RelayCall.SettleAsync"/>) and they keep their order.
    /// </summary>
    public bool Take(JsonRpcMessage message)
    {
        if (message is not JsonRpcNotification notification)
        {
            return false;
        }

        switch (notification.Method)
        {
            case NotificationMethods.ProgressNotification:
                RelayProgress(notification);
                return true;
            case NotificationMethods.LoggingMessageNotification:
                RelayLogMessage(notification);
                return true;
            default:
                return false;
        }
    }

    private void RelayProgress(JsonRpcNotification notification)
    {
        var progress = Read(notification, McpJsonUtilities.DefaultOptions.GetTypeInfo<ProgressNotificationParams>());
        if (progress?.ProgressToken.ToString() is not { } token || !TryGetCall(token, out var call) || call.DownstreamProgressToken is not { } downstreamToken)
        {
            return;
        }

        call.Deliver(downstream => Quietly(downstream.NotifyProgressAsync(downstreamToken, progress.Progress)));
    }

    private void RelayLogMessage(JsonRpcNotification notification)
    {
        var message = Read(notification, McpJsonUtilities.DefaultOptions.GetTypeInfo<LoggingMessageNotificationParams>());
        if (message is null)
        {
            return;
        }

        // A log message names no request: it goes to the one client whose calls are in flight, never to everyone, nor to
        // another client just after one's answer (servers often log after answering).
        var call = Attribute(isLog: true);
        if (call is null)
        {
            Log.RelayLogDropped(logger, connector);
            return;
        }

        call.DeliverLog(message.Level, downstream => Quietly(downstream.SendNotificationAsync(notification.Method, message)));
    }

    /// <summary>The notification's parameters, or null when they are not what the method says (nothing is relayed then).</summary>
    private T? Read<T>(JsonRpcNotification notification, JsonTypeInfo<T> type) where T : class
    {
        try
        {
            return notification.Params?.Deserialize(type);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NotSupportedException)
        {
            _malformed.Dropped(notification.Method);
            return null;
        }
    }

    /// <summary>
    /// Checks a resource against the pins before an update of it is passed on (<see cref="PinnedUpdates"/>); set once by
    /// <see cref="GuardUpdates"/> as the gateway starts. Null (a lint's catalog read) passes every update.
    /// </summary>
    private PinnedUpdates? _pinnedUpdates;

    /// <summary>Has every later update of a resource wait for <paramref name="admits"/> to find it as pinned; one it refuses is dropped.</summary>
    internal void GuardUpdates(Func<string, CancellationToken, Task<bool>> admits) =>
        _pinnedUpdates = new PinnedUpdates(admits, RelayUpdate, time);

    private ValueTask OnResourceUpdatedAsync(JsonRpcNotification notification, CancellationToken cancellationToken)
    {
        var updated = notification.Params?.Deserialize(McpJsonUtilities.DefaultOptions.GetTypeInfo<ResourceUpdatedNotificationParams>());
        if (updated?.Uri is not { } uri || !Sessions.Any(s => s.IsSubscribed(uri)))
        {
            return ValueTask.CompletedTask;
        }

        if (_pinnedUpdates is { } pinned)
        {
            return pinned.OnUpdatedAsync(updated, cancellationToken);
        }

        RelayUpdate(updated);
        return ValueTask.CompletedTask;
    }

    private void RelayUpdate(ResourceUpdatedNotificationParams updated)
    {
        const string method = NotificationMethods.ResourceUpdatedNotification;
        foreach (var session in Sessions.Where(s => s.IsSubscribed(updated.Uri)))
        {
            Notify(session, method + " " + updated.Uri, s => Quietly(s.SendNotificationAsync(method, updated)));
        }
    }

    /// <summary>Tells every live session that the connector's tool list changed; called after the new catalog is in place.</summary>
    public Task NotifyToolsChangedAsync(CancellationToken cancellationToken) =>
        BroadcastAsync(NotificationMethods.ToolListChangedNotification, cancellationToken).AsTask();

    /// <summary>
    /// Tells the live sessions that the prompt list (<paramref name="prompts"/>) or the resource and template lists
    /// (<paramref name="resources"/>) may hold other items than before (new pins in force); each session only of what the
    /// gateway advertised to it (<c>prompts.listChanged</c>, <c>resources.listChanged</c>).
    /// </summary>
    public void NotifyPassthroughChanged(bool prompts, bool resources)
    {
        foreach (var session in Sessions)
        {
            var advertised = session.Server.ServerOptions.Capabilities;
            if (prompts && advertised?.Prompts?.ListChanged == true)
            {
                Notify(session, NotificationMethods.PromptListChangedNotification, s => Quietly(s.SendNotificationAsync(NotificationMethods.PromptListChangedNotification)));
            }

            if (resources && advertised?.Resources?.ListChanged == true)
            {
                Notify(session, NotificationMethods.ResourceListChangedNotification, s => Quietly(s.SendNotificationAsync(NotificationMethods.ResourceListChangedNotification)));
            }
        }
    }

    private ValueTask BroadcastAsync(string method, CancellationToken cancellationToken)
    {
        foreach (var session in Sessions)
        {
            Notify(session, method, s => Quietly(s.SendNotificationAsync(method)));
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Queues a notification for one session; none is awaited here, so a client that does not read its stream holds up
    /// neither the upstream nor the other sessions. A session's first dropped notification is logged at once, its count
    /// when the session closes.
    /// </summary>
    private void Notify(DownstreamSession session, string key, Func<McpServer, Task> send)
    {
        if (!session.Notify(key, send) && session.DroppedNotifications == 1)
        {
            Log.RelaySessionTooSlow(logger, connector, session.Server.SessionId ?? "-", DownstreamSession.MaxQueuedNotifications);
        }
    }

    /// <summary>A notification to a client that has gone away is lost, never an error for the upstream.</summary>
    private async Task Quietly(Task send)
    {
        try
        {
            await send.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.RelayNotifyFailed(logger, connector, ex.GetType().Name);
        }
    }
}
