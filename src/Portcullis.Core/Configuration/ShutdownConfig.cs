namespace Portcullis.Core.Configuration;

/// <summary>How the gateway stops on SIGTERM.</summary>
public sealed class ShutdownConfig
{
    /// <summary>How long calls in flight may take to finish before the gateway cancels them.</summary>
    public int DrainSeconds { get; set; } = ConfigDefaults.DrainSeconds;
}
