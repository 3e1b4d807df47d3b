using Microsoft.Extensions.Logging.Console;
using Portcullis.Core.Configuration;

namespace Portcullis.Hosting;

/// <summary>
/// The gateway's log, configured in this one place: text or JSON lines on standard error, library noise at warning,
/// and any category's level from <c>logging.levels</c>.
/// </summary>
internal static class GatewayLogging
{
    private static readonly (string Category, LogLevel Level)[] Quiet =
    [
        ("Microsoft.AspNetCore", LogLevel.Warning),
        ("ModelContextProtocol", LogLevel.Warning),
        ("System.Net.Http.HttpClient", LogLevel.Warning),
    ];

    public static void Configure(ILoggingBuilder logging, IServiceCollection services, LoggingConfig config)
    {
        logging.ClearProviders();
        if (string.Equals(config.Format, "json", StringComparison.Ordinal))
        {
            logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
                o.IncludeScopes = false;
                o.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
            });
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            });
        }

        foreach (var (category, level) in Quiet)
        {
            logging.AddFilter(category, level);
        }

        foreach (var (category, text) in config.Levels)
        {
            var level = Enum.Parse<LogLevel>(text, ignoreCase: true);
            if (string.Equals(category, "Default", StringComparison.OrdinalIgnoreCase))
            {
                logging.SetMinimumLevel(level);
            }
            else
            {
                logging.AddFilter(category, level);
            }
        }

        services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    }
}
