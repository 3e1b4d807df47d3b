using System.CommandLine;
using Portcullis.Core.Configuration;
using Portcullis.Hosting;
using Portcullis.Logging;

namespace Portcullis.Cli;

/// <summary><c>portcullis serve</c>: runs the gateway.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var config = CommonOptions.Config();
        var listen = new Option<string?>("--listen", "-l") { Description = "URL to listen on, such as http://127.0.0.1:8080; overrides the config." };
        var dataDir = CommonOptions.DataDir();
        var logLevel = new Option<LogLevel>("--log-level")
        {
            Description = "The least severe events logged; debug and trace add stack traces and the frameworks' own events.",
            DefaultValueFactory = _ => LogLevel.Information,
        };
        var adminListen = new Option<string?>("--admin-listen") { Description = "URL of the admin plane's own listener (metrics and admin API), such as http://127.0.0.1:9090; overrides admin.listen." };
        var logFormat = new Option<string?>("--log-format") { Description = "text (default) or json: one JSON object a line; overrides logging.format." };
        logFormat.AcceptOnlyFromAmong("text", "json");
        var command = new Command("serve", "Run the gateway in front of the configured MCP servers.") { config, listen, dataDir, adminListen, logFormat, logLevel };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var loaded = ConfigErrors.TryLoad(parse.GetValue(config)!, new ConfigOverrides(parse.GetValue(listen), parse.GetValue(dataDir), parse.GetValue(adminListen), parse.GetValue(logFormat)), Console.Error);
            if (loaded is null)
            {
                return ConfigErrors.ExitCode;
            }

            Directory.CreateDirectory(loaded.DataDir!);
            await using var app = GatewayApp.Build(loaded, new LoggingOptions(parse.GetValue(logLevel)));
            await app.RunAsync(cancellationToken);
            return Environment.ExitCode;
        });
        return command;
    }
}
