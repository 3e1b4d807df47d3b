namespace Portcullis.Core.Configuration;

/// <summary>Size limits enforced before a request is parsed.</summary>
public sealed class LimitsConfig
{
    public long MaxBodyBytes { get; set; } = 1024 * 1024;

    public int MaxDepth { get; set; } = 64;

    public int MaxStringLength { get; set; } = 256 * 1024;
}
