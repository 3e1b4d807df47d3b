using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Portcullis.Core.Relay;

/// <summary>
/// Connects an upstream so that the relay sees what the upstream sends in the order it was sent: the client handles each
/// message on its own task, so a call's answer could otherwise overtake the progress sent before it. Each connection
/// bounds the upstream's requests the gateway has not answered (<see cref="UnansweredRequests"/>).
/// </summary>
internal sealed class InOrderClientTransport(IClientTransport inner, Func<JsonRpcMessage, bool> take, Action<string, string> droppedRequest, TimeProvider time) : IClientTransport
{
    public string Name => inner.Name;

    public async Task<ITransport> ConnectAsync(CancellationToken cancellationToken = default) =>
        new InOrderTransport(await inner.ConnectAsync(cancellationToken).ConfigureAwait(false), take, droppedRequest, time);
}
