using System.CommandLine;
using Portcullis.Cli;

var root = new RootCommand("Portcullis: the gateway that makes MCP servers safe to wire into AI agents.")
{
    ServeCommand.Create(),
    LintCommand.Create(),
    TokenCommand.Create(),
    AuditCommand.Create(),
};

// SIGTERM and Ctrl+C belong to the host, which drains calls in flight (shutdown.drain_seconds); System.CommandLine's
// own handling would end the process after two seconds.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
