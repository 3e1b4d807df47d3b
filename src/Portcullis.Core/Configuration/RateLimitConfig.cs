namespace Portcullis.Core.Configuration;

/// <summary>A fixed-window budget counted per principal.</summary>
public sealed class RateLimitConfig
{
    public int Permits { get; set; }

    public int WindowSeconds { get; set; }
}
