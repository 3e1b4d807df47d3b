using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Portcullis.Samples.Crm;

// The article's CRM as a real MCP server over stdio: contacts and notes in its own SQLite file.
var databasePath = ArgValue(args, "--db") ?? Path.Combine(Environment.CurrentDirectory, "crm.db");

var builder = Host.CreateEmptyApplicationBuilder(settings: null);
builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSingleton(new CrmDatabase(databasePath));
builder.Services.AddSingleton(TimeProvider.System);
builder.Services
    .AddMcpServer(o => o.ServerInfo = new() { Name = "crm", Version = "1.0.0" })
    .WithStdioServerTransport()
    .WithTools<CrmTools>();

var app = builder.Build();
app.Services.GetRequiredService<CrmDatabase>().EnsureCreated();
await app.RunAsync();

static string? ArgValue(string[] args, string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
