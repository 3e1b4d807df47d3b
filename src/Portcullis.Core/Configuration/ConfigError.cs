namespace Portcullis.Core.Configuration;

/// <summary>One mistake in a configuration, at a JSON path.</summary>
public sealed record ConfigError(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}
