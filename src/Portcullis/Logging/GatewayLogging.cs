namespace Portcullis.Logging;

/// <summary>The gateway's logging, set up in this one place: one line per event on stderr, UTC timestamps with the date.</summary>
internal static class GatewayLogging
{
    public static ILoggingBuilder AddGatewayLogging(this ILoggingBuilder logging, LoggingOptions options)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(options.MinimumLevel);
        logging.AddConsole(o =>
        {
            o.FormatterName = GatewayConsoleFormatter.FormatterName;
            // stdout is left to the verbs' own output; every log line goes to stderr.
            o.LogToStandardErrorThreshold = LogLevel.Trace;
        });
        logging.AddConsoleFormatter<GatewayConsoleFormatter, GatewayConsoleFormatterOptions>(o => o.IncludeStackTraces = options.IncludeStackTraces);
        if (options.MinimumLevel > LogLevel.Debug)
        {
            // The frameworks' routine events are noise in production; debugging shows them all.
            logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
            logging.AddFilter("ModelContextProtocol", LogLevel.Warning);
            logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
            // The SDK's client side talks to the upstreams, whose every failure the supervisor and the forward stage
            // already log once, with the connector's name; the SDK's own copy of each would double every line.
            logging.AddFilter("ModelContextProtocol.Client", LogLevel.Critical);
        }

        return logging;
    }
}
