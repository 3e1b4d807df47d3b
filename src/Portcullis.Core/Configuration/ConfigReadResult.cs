namespace Portcullis.Core.Configuration;

/// <summary>
/// A configuration as read, with every error found in it. <see cref="Config"/> is null only when the text is not a
/// JSON object at all; with errors it holds what could be read, each value of the wrong type taken as absent.
/// </summary>
public sealed record ConfigReadResult(GatewayConfig? Config, IReadOnlyList<ConfigError> Errors)
{
    public bool IsValid => Config is not null && Errors.Count == 0;
}
