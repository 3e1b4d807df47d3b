using System.CommandLine;
using Portcullis.Cli;

var root = new RootCommand("Portcullis: the gateway that makes MCP servers safe to wire into AI agents.")
{
    ServeCommand.Create(),
    LintCommand.Create(),
    TokenCommand.Create(),
    AuditCommand.Create(),
};

return await root.Parse(args).InvokeAsync();
