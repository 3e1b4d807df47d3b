namespace Portcullis.Core.Upstreams;

/// <summary>Where a connector's upstream connection stands.</summary>
public enum UpstreamState
{
    Starting,
    Connected,

    /// <summary>Connected, but a ping went unanswered: calls are still sent, readiness says no.</summary>
    Unresponsive,
    Restarting,
    Stopped,
}
