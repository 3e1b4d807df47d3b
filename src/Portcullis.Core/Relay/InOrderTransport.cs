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
internal sealed class InOrderTransport(ITransport inner, Func<JsonRpcMessage, bool> take, Action<string, string> dropped) : ChannelReader<JsonRpcMessage>, ITransport
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

    public Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default)
    {
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
