namespace Portcullis.Core.Configuration;

/// <summary>Tool integrity: where the lock file of reviewed definitions lives.</summary>
public sealed class PinsConfig
{
    /// <summary>
    /// The lock file (relative to the config's folder). Null: <c>portcullis.lock.json</c> beside the config, pins on when it
    /// exists. Set: pins are on, and a missing file refuses the start.
    /// </summary>
    public string? File { get; set; }
}
