using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Portcullis.Core.Tests.Relay;

/// <summary>
/// A downstream session's server, as far as the relay looks at it: its session id, and what is sent to it
/// (<paramref name="send"/>; by default taken at once), and the capabilities its client declared.
/// </summary>
#pragma warning disable MCPEXP002 // the SDK marks subclassing its server experimental; this stand-in only answers SessionId and sends
internal sealed class StandInServer(string? sessionId, Func<JsonRpcMessage, Task>? send = null, ClientCapabilities? capabilities = null) : McpServer
#pragma warning restore MCPEXP002
{
    public override string? SessionId => sessionId;

    public override ClientCapabilities? ClientCapabilities => capabilities;

    public override Implementation? ClientInfo => null;

    [Obsolete("Overrides the SDK's member of the same name, obsolete there.")]
    public override LoggingLevel? LoggingLevel => null;

    public override McpServerOptions ServerOptions => new();

    public override IServiceProvider? Services => null;

    public override string? NegotiatedProtocolVersion => null;

    public override Task RunAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public override ValueTask DisposeAsync() => default;

    public override IAsyncDisposable RegisterNotificationHandler(string method, Func<JsonRpcNotification, CancellationToken, ValueTask> handler) =>
        throw new NotSupportedException();

    public override Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default) =>
        send?.Invoke(message) ?? Task.CompletedTask;

    public override Task<JsonRpcResponse> SendRequestAsync(JsonRpcRequest request, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();
}
