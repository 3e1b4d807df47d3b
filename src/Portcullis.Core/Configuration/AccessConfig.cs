namespace Portcullis.Core.Configuration;

/// <summary>Policy of one allow-listed resource pattern or prompt: the scopes a request needs and its timeout.</summary>
public sealed class AccessConfig
{
    public List<string> Scopes { get; set; } = [];

    public int? TimeoutSeconds { get; set; }
}
