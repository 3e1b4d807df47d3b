namespace Portcullis.Logging;

/// <summary>How the gateway logs, from the command line.</summary>
internal sealed record LoggingOptions(LogLevel MinimumLevel)
{
    public static LoggingOptions Default { get; } = new(LogLevel.Information);

    /// <summary>Stack traces are for debugging: below Debug, an exception is logged as its type and message.</summary>
    public bool IncludeStackTraces => MinimumLevel <= LogLevel.Debug;
}
