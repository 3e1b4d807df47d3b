using Microsoft.Extensions.Logging.Console;
using Portcullis.Core.Configuration;

namespace Portcullis.Logging;

/// <summary>
/// The gateway's logging, set up in this one place: one line per event on stderr with a UTC timestamp and its date,
/// as text or as one JSON object a line, written in batches; framework noise at warning; any category's level from
/// <c>logging.levels</c>.
/// </summary>
internal static class GatewayLogging
{
    public static ILoggingBuilder AddGatewayLogging(this ILoggingBuilder logging, LoggingOptions options, LoggingConfig config)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(options.MinimumLevel);
        var json = string.Equals(config.Format, "json", StringComparison.Ordinal);
        logging.AddConsole(o =>
        {
            o.FormatterName = json ? Microsoft.Extensions.Logging.Console.ConsoleFormatterNames.Json : GatewayConsoleFormatter.FormatterName;
            // stdout is left to the verbs' own output; every log line goes to stderr.
            o.LogToStandardErrorThreshold = LogLevel.Trace;
        });
        logging.AddConsoleFormatter<GatewayConsoleFormatter, GatewayConsoleFormatterOptions>(o => o.IncludeStackTraces = options.IncludeStackTraces);
        // The console provider's formatters and options, written through the gateway's batching writer: see
        // BatchedLineWriter for why.
        foreach (var console in logging.Services.Where(d => d.ImplementationType == typeof(ConsoleLoggerProvider)).ToList())
        {
            logging.Services.Remove(console);
        }

        logging.Services.AddSingleton<ILoggerProvider, BatchedConsoleLoggerProvider>();
        // The console provider registers the JSON formatter itself; AddJsonConsole would also make it the default.
        logging.Services.Configure<Microsoft.Extensions.Logging.Console.JsonConsoleFormatterOptions>(o =>
        {
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
            o.IncludeScopes = false;
            o.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
        });
        if (options.MinimumLevel > LogLevel.Debug)
        {
            // The frameworks' routine events are noise in production; debugging shows them all.
            logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
            logging.AddFilter("ModelContextProtocol", LogLevel.Warning);
            logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
            // The SDK's client side talks to the upstreams, whose every failure the supervisor and the forward stage
            // already log once, with the connector's name; the SDK's own copy of each would double every line.
            logging.AddFilter("ModelContextProtocol.Client", LogLevel.Critical);
            // The SDK's server side logs two warnings, one with a stack trace, for every request it refuses (an unknown
            // method, params it cannot read): junk traffic would flood the log. The gateway counts those itself and
            // reports them at most once per interval (McpSessionSetup, HttpRefusals); its handlers log their own failures.
            logging.AddFilter("ModelContextProtocol.Server.McpServer", LogLevel.Error);
            // A line for every unhealthy check of every /readyz probe, which anyone may send: what is not ready is in
            // the probe's answer, and the gateway logs each change of an upstream's state once (events 1002, 1009, …).
            logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.Critical);
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

        return logging;
    }

    /// <summary>Writes the log lines still batched, before a message goes to stderr directly, so the two keep their order.</summary>
    public static void FlushLogLines(this IServiceProvider services)
    {
        IEnumerable<ILoggerProvider> providers;
        try
        {
            providers = services.GetServices<ILoggerProvider>();
        }
        catch (ObjectDisposedException)
        {
            // The host was disposed (RunAsync does so when it fails to start): disposing its providers wrote every line.
            return;
        }

        foreach (var provider in providers.OfType<BatchedConsoleLoggerProvider>())
        {
            provider.Writer.Flush();
        }
    }
}
