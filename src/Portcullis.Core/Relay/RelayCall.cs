using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Portcullis.Core.Relay;

/// <summary>
/// One downstream request on its way to the upstream: what the gateway needs to send the upstream's
/// progress, log messages and questions back to the very client that made it.
/// </summary>
internal sealed class RelayCall : IDisposable
{
    private readonly ConnectorRelay _relay;

    internal RelayCall(ConnectorRelay relay, McpServer downstream, ProgressToken? downstreamProgressToken, string upstreamProgressToken, long sequence)
    {
        _relay = relay;
        Downstream = downstream;
        DownstreamProgressToken = downstreamProgressToken;
        UpstreamProgressToken = upstreamProgressToken;
        Sequence = sequence;
        SessionKey = (object?)downstream.SessionId ?? this;
        Pending = MrtrBridge.Current;
    }

    /// <summary>Set when the caller is a stateless client whose questions travel as input-required results.</summary>
    public PendingCall? Pending { get; }

    /// <summary>The downstream request's own server: messages sent through it travel on that request's stream.</summary>
    public McpServer Downstream { get; }

    public ProgressToken? DownstreamProgressToken { get; }

    /// <summary>The gateway's own token for the upstream request; it maps upstream progress back to this call.</summary>
    public string UpstreamProgressToken { get; }

    /// <summary>Identifies the downstream session (its id) or, without a session, this request alone.</summary>
    public object SessionKey { get; }

    public long Sequence { get; }

    public void Dispose() => _relay.End(this);
}
