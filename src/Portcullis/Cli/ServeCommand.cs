using System.CommandLine;
using Portcullis.Core.Configuration;
using Portcullis.Diagnostics;
using Portcullis.Hosting;
using Portcullis.Logging;

namespace Portcullis.Cli;

/// <summary><c>portcullis serve</c>: runs the gateway.</summary>
/// <remarks>
/// Nothing listens before everything that can refuse the configuration has: the file itself, the data dir's lock,
/// and what only the upstreams' tool lists reveal. Each refusal exits with code 2 and a message, never a stack trace.
/// </remarks>
internal static class ServeCommand
{
    public static Command Create()
    {
        var config = CommonOptions.Config();
        var listen = new Option<string?>("--listen", "-l") { Description = "URL to listen on, such as http://127.0.0.1:8080 (port 0: any free port, logged once bound); overrides the config." };
        var dataDir = CommonOptions.DataDir();
        var logLevel = new Option<LogLevel>("--log-level")
        {
            Description = "The least severe events logged; debug and trace add stack traces and the frameworks' own events.",
            DefaultValueFactory = _ => LogLevel.Information,
            CustomParser = LevelOf,
        };
        var adminListen = new Option<string?>("--admin-listen") { Description = "URL of the admin plane's own listener (metrics and admin API), such as http://127.0.0.1:9090; overrides admin.listen." };
        var logFormat = new Option<string?>("--log-format") { Description = "text (default) or json: one JSON object a line; overrides logging.format." };
        logFormat.AcceptOnlyFromAmong("text", "json");
        var advertise = new Option<string?>("--advertise-url")
        {
            Description = "URL at which the other replicas reach this one directly, such as http://10.0.0.5:8080; overrides replica.advertise_url.",
        };
        var replicaId = new Option<string?>("--replica-id") { Description = "This replica's unique, stable id; overrides replica.id." };
        var command = new Command("serve", "Run the gateway in front of the configured MCP servers.") { config, listen, dataDir, adminListen, logFormat, logLevel, advertise, replicaId };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var file = parse.GetValue(config)!;
            var loaded = ConfigErrors.TryLoad(file, new ConfigOverrides(
                parse.GetValue(listen), parse.GetValue(dataDir), parse.GetValue(adminListen), parse.GetValue(logFormat), parse.GetValue(advertise), parse.GetValue(replicaId)), Console.Error);
            if (loaded is null)
            {
                return ConfigErrors.ExitCode;
            }

            DataDirLock? dataDirLock;
            string? holder;
            try
            {
                dataDirLock = DataDirLock.TryAcquire(loaded.DataDir!, loaded.Listen, TimeProvider.System, out holder);
            }
            catch (Exception ex) when (DataDirProblems.Is(ex))
            {
                return DataDirProblems.Report(loaded.DataDir!, ex);
            }

            using var held = dataDirLock;
            if (dataDirLock is null)
            {
                Console.Error.WriteLine($"The data dir {loaded.DataDir} is in use by another gateway ({holder}). Run one gateway per data dir: stop that one, or give this one its own --data-dir.");
                return ConfigErrors.ExitCode;
            }

            WebApplication built;
            try
            {
                built = GatewayApp.Build(loaded, new LoggingOptions(parse.GetValue(logLevel)), dataDirLock);
            }
            catch (ConfigException ex)
            {
                // What only the running gateway can check, such as a secret reference that resolves to nothing.
                Console.Error.WriteLine(ex.Message);
                return ConfigErrors.ExitCode;
            }

            await using var app = built;
            var pins = app.Services.GetRequiredService<Core.Pins.PinRegistry>();
            if (pins.StartupErrors.Count > 0)
            {
                app.Services.FlushLogLines();
                Console.Error.WriteLine($"{pins.Path}: the lock file cannot be used, so no tool can be checked against its pin ({pins.StartupErrors.Count} error(s)):");
                foreach (var error in pins.StartupErrors)
                {
                    Console.Error.WriteLine("  " + error);
                }

                Console.Error.WriteLine("Restore it from version control, or review the tools and pin them again: portcullis pin --config " + file + ".");
                return ConfigErrors.ExitCode;
            }

            IReadOnlyList<ConfigError> refused;
            using (var signals = new StopSignals())
            {
                try
                {
                    // The metrics pipeline listens from here, not from the host's start: what the gate counts (tools
                    // withheld by the first catalogs, claims an earlier process left) would otherwise be lost.
                    _ = app.Services.GetService<OpenTelemetry.Metrics.MeterProvider>();
                    refused = await app.Services.GetRequiredService<StartupGate>().PassAsync(signals.Token);
                }
                catch (Exception ex) when (signals.Token.IsCancellationRequested && ex is not ConfigException)
                {
                    // Stopped while a step waited: its cancellation may surface as the step's own failure (a store
                    // client's "no connection" once its wait is cut short), which is the stop, not an error.
                    GatewayLog.StoppedStarting(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<StartupGate>());
                    using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                    await app.Services.GetRequiredService<UpstreamHostedService>().StopAsync(stop.Token);
                    await (app.Services.GetService<ReplicaIdHold>()?.StopAsync() ?? Task.CompletedTask);
                    app.Services.FlushLogLines();
                    return 0;
                }
            }

            if (refused.Count > 0)
            {
                app.Services.FlushLogLines();
                Console.Error.WriteLine(new ConfigException($"{file.Name} (found at start-up)", refused).Message);
                using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await app.Services.GetRequiredService<UpstreamHostedService>().StopAsync(stop.Token);
                await (app.Services.GetService<ReplicaIdHold>()?.StopAsync() ?? Task.CompletedTask);
                return ConfigErrors.ExitCode;
            }

            var hold = app.Services.GetService<ReplicaIdHold>();
            try
            {
                await app.StartAsync(cancellationToken);
            }
            catch (IOException ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException or System.Net.Sockets.SocketException)
            {
                // The MCP listener or the admin plane's (in use, not this machine's address, a port it may not bind):
                // the exception's message names the address. Stopped as a host is stopped, so the background services
                // end as stopped rather than being logged as failed when the host is disposed.
                using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
                {
                    await app.StopAsync(stop.Token);
                }

                await (hold?.StopAsync() ?? Task.CompletedTask);
                app.Services.FlushLogLines();
                Console.Error.WriteLine($"Cannot listen: {ex.Message} Choose another address for that listener (listen or --listen; admin.listen or --admin-listen), or port 0 for any free port.");
                return ConfigErrors.ExitCode;
            }

            await app.WaitForShutdownAsync(cancellationToken);

            // Stopped because another process took this replica's id: a failure the orchestrator should see.
            return hold is { Lost: true } ? 1 : 0;
        });
        return command;
    }

    /// <summary>
    /// A level by its name, any case. Parsed here: System.CommandLine's own refusal named the .NET type
    /// (Microsoft.Extensions.Logging.LogLevel) and took a number (--log-level 7) as a level that does not exist.
    /// </summary>
    private static LogLevel LevelOf(System.CommandLine.Parsing.ArgumentResult result)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (Enum.TryParse<LogLevel>(text, ignoreCase: true, out var level) && !text.AsSpan().ContainsAnyInRange('0', '9') && Enum.IsDefined(level))
        {
            return level;
        }

        result.AddError($"--log-level '{text}': one of trace, debug, information, warning, error, critical, none.");
        return LogLevel.Information;
    }
}
