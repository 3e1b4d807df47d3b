namespace Portcullis.Core.Configuration;

/// <summary>A configuration that cannot be served; carries every error found.</summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string source, IReadOnlyList<ConfigError> errors)
        : base($"{source}: {errors.Count} configuration error(s):{System.Environment.NewLine}"
            + string.Join(System.Environment.NewLine, errors.Select(e => "  " + e)))
    {
        Errors = errors;
    }

    public ConfigException()
    {
        Errors = [];
    }

    public ConfigException(string message)
        : base(message)
    {
        Errors = [];
    }

    public ConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [];
    }

    public IReadOnlyList<ConfigError> Errors { get; }
}
