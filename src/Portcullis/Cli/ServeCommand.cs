using System.CommandLine;
using Portcullis.Core.Configuration;
using Portcullis.Hosting;

namespace Portcullis.Cli;

/// <summary><c>portcullis serve</c>: runs the gateway.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var config = CommonOptions.Config();
        var listen = new Option<string?>("--listen", "-l") { Description = "URL to listen on, such as http://127.0.0.1:8080; overrides the config." };
        var dataDir = CommonOptions.DataDir();
        var advertise = new Option<string?>("--advertise-url")
        {
            Description = "URL at which the other replicas reach this one directly, such as http://10.0.0.5:8080; overrides replica.advertise_url.",
        };
        var replicaId = new Option<string?>("--replica-id") { Description = "This replica's unique, stable id; overrides replica.id." };
        var command = new Command("serve", "Run the gateway in front of the configured MCP servers.") { config, listen, dataDir, advertise, replicaId };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var loaded = ConfigErrors.TryLoad(parse.GetValue(config)!, new ConfigOverrides(parse.GetValue(listen), parse.GetValue(dataDir), parse.GetValue(advertise), parse.GetValue(replicaId)), Console.Error);
            if (loaded is null)
            {
                return ConfigErrors.ExitCode;
            }

            Directory.CreateDirectory(loaded.DataDir!);
            WebApplication built;
            try
            {
                built = GatewayApp.Build(loaded);
            }
            catch (ConfigException ex)
            {
                // What only the running gateway can check, such as a secret reference that resolves to nothing.
                Console.Error.WriteLine(ex.Message);
                return ConfigErrors.ExitCode;
            }

            await using var app = built;
            try
            {
                await app.RunAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (Environment.ExitCode != 0)
            {
                // Refused while starting (a destructive tool not opted in, a loosening overlay): the listener waits
                // for the upstreams' first attempts, so the refusal stops the start itself.
            }

            return Environment.ExitCode;
        });
        return command;
    }
}
