namespace Portcullis.Core.Configuration;

/// <summary>How the gateway writes its log: the format and the level of each category.</summary>
public sealed class LoggingConfig
{
    /// <summary><c>text</c> (one line per event, default) or <c>json</c> (one JSON object a line); overridden by <c>--log-format</c>.</summary>
    public string Format { get; set; } = "text";

    /// <summary>Least level per category prefix (<c>Default</c> for all others): trace, debug, information, warning, error, critical, none.</summary>
    public Dictionary<string, string> Levels { get; set; } = [];
}
