using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using ModelContextProtocol.Protocol;

namespace Portcullis.Core.Relay;

/// <summary>
/// A connected upstream whose incoming messages pass <c>take</c> one by one, in order, before the client reads them; a
/// message <c>take</c> keeps (returns true for) never reaches the client.
/// </summary>
internal sealed class InOrderTransport(ITransport inner, Func<JsonRpcMessage, bool> take) : ChannelReader<JsonRpcMessage>, ITransport
{
    public string? SessionId => inner.SessionId;

    public ChannelReader<JsonRpcMessage> MessageReader => this;

    public override Task Completion => inner.MessageReader.Completion;

    public override bool TryRead([MaybeNullWhen(false)] out JsonRpcMessage item)
    {
        while (inner.MessageReader.TryRead(out item))
        {
            if (!take(item))
            {
                return true;
            }
        }

        return false;
    }

    public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) =>
        inner.MessageReader.WaitToReadAsync(cancellationToken);

    public Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default) =>
        inner.SendMessageAsync(message, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
