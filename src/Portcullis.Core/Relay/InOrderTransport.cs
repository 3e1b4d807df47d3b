using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Threading.Channels;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Portcullis.Core.Relay;

/// <summary>
/// A connected upstream whose incoming messages pass <c>take</c> one by one, in order, before the client reads them; a
/// message <c>take</c> keeps (returns true for) never reaches the client. The upstream's own requests reach it only
/// within <see cref="UnansweredRequests.Limit"/>; one past it goes to <c>dropped</c> with why.
/// </summary>
internal sealed class InOrderTransport(ITransport inner, Func<JsonRpcMessage, bool> take, Action<string, string> dropped, TimeProvider time) : ChannelReader<JsonRpcMessage>, ITransport
{
    private readonly UnansweredRequests _unanswered = new();

    public string? SessionId => inner.SessionId;

    public ChannelReader<JsonRpcMessage> MessageReader => this;

    public override Task Completion => inner.MessageReader.Completion;

    public override bool TryRead([MaybeNullWhen(false)] out JsonRpcMessage item)
    {
        while (inner.MessageReader.TryRead(out item))
        {
            if (!take(item) && Admit(item))
            {
                return true;
            }
        }

        return false;
    }

    public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) =>
        inner.MessageReader.WaitToReadAsync(cancellationToken);

    /// <summary>How long the upstream is given to take a cancellation the gateway tells it of; then it is not told.</summary>
    internal static readonly TimeSpan CancelledNoticeBound = TimeSpan.FromSeconds(5);

    public Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default)
    {
        if (message is JsonRpcRequest { Method: not RequestMethods.Initialize } request && cancellationToken.CanBeCanceled)
        {
            return SendRequestAsync(request, cancellationToken);
        }

        if (!UnansweredRequests.IsAnswer(message, out var id))
        {
            return inner.SendMessageAsync(message, cancellationToken);
        }

        Task sending;
        try
        {
            sending = inner.SendMessageAsync(message, cancellationToken);
        }
        catch
        {
            _unanswered.Close(id);
            throw;
        }

        if (sending.IsCompleted)
        {
            _unanswered.Close(id);
            return sending;
        }

        return AnsweredAsync(sending, id);
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    /// <summary>
    /// Sends a request, and tells the upstream of its cancellation if it is cancelled while it is sent. The SDK sends
    /// notifications/cancelled only for a request cancelled after its sending ended, but over Streamable HTTP the
    /// sending lasts until the answer (the POST carries it): a call timed out or cancelled there only closed its POST.
    /// </summary>
    private async Task SendRequestAsync(JsonRpcRequest request, CancellationToken cancellationToken)
    {
        try
        {
            await inner.SendMessageAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Not awaited: the caller's answer does not wait for the upstream to take the notification.
            _ = TellCancelledAsync(request.Id);
            throw;
        }
    }

    /// <summary>Sends notifications/cancelled for <paramref name="id"/>, given up after <see cref="CancelledNoticeBound"/>.</summary>
    private async Task TellCancelledAsync(RequestId id)
    {
        using var bound = new CancellationTokenSource(CancelledNoticeBound, time);
        var notification = new JsonRpcNotification
        {
            Method = NotificationMethods.CancelledNotification,
            Params = JsonSerializer.SerializeToNode(new CancelledNotificationParams { RequestId = id }, McpJsonUtilities.DefaultOptions.GetTypeInfo<CancelledNotificationParams>()),
        };

        try
        {
            await inner.SendMessageAsync(notification, bound.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Best effort, as the protocol makes it: an upstream that is gone, refuses it or does not take it within the
            // bound is not told; its closed POST (over HTTP) or its ended connection is all it gets.
        }
    }

    /// <summary>An answer counts until it is written: one the upstream does not read holds its place.</summary>
    private async Task AnsweredAsync(Task sending, RequestId id)
    {
        try
        {
            await sending.ConfigureAwait(false);
        }
        finally
        {
            _unanswered.Close(id);
        }
    }

    /// <summary>Whether the client may read <paramref name="message"/>: the upstream's request only within the bound.</summary>
    private bool Admit(JsonRpcMessage message)
    {
        switch (message)
        {
            case JsonRpcRequest request:
                if (_unanswered.TryOpen(request.Id, out var refusal))
                {
                    return true;
                }

                dropped(request.Method, refusal);
                return false;
            case JsonRpcNotification { Method: NotificationMethods.CancelledNotification } cancelled:
                // The SDK answers a request the upstream cancelled with nothing: it no longer counts.
                if (CancelledId(cancelled) is { } id)
                {
                    _unanswered.Close(id);
                }

                return true;
            default:
                return true;
        }
    }

    private static RequestId? CancelledId(JsonRpcNotification notification)
    {
        try
        {
            return notification.Params?.Deserialize(McpJsonUtilities.DefaultOptions.GetTypeInfo<CancelledNotificationParams>())?.RequestId;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NotSupportedException)
        {
            return null;
        }
    }
}
