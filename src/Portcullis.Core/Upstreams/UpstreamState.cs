namespace Portcullis.Core.Upstreams;

/// <summary>Where a connector's upstream connection stands.</summary>
public enum UpstreamState
{
    Starting,
    Connected,
    Restarting,
    Stopped,
}
