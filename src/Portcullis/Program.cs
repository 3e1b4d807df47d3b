using System.CommandLine;
using Portcullis.Cli;

var root = new RootCommand("Portcullis: the gateway that makes MCP servers safe to wire into AI agents.")
{
    ServeCommand.Create(),
    LintCommand.Create(),
    PinCommand.Create(),
    TokenCommand.Create(),
    AuditCommand.Create(),
};

// Bare `portcullis` shows what it can do.
var parse = root.Parse(args.Length == 0 ? ["--help"] : args);
if (parse.Errors.Count > 0)
{
    // A mistake in the command line is a usage error, exit 2 as for every other mistake in what the operator asked
    // (System.CommandLine would print the whole help on standard output and exit 1).
    foreach (var error in parse.Errors)
    {
        Console.Error.WriteLine(error.Message);
    }

    Console.Error.WriteLine($"See '{string.Join(' ', parse.CommandResult.Command.Parents.OfType<Command>().Reverse().Append(parse.CommandResult.Command).Select(c => c.Name))} --help'.");
    return ConfigErrors.ExitCode;
}

// SIGTERM and Ctrl+C belong to the host, which drains calls in flight (shutdown.drain_seconds); System.CommandLine's
// own handling would end the process after two seconds.
return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
