using Portcullis.Core.Configuration;

namespace Portcullis.Hosting;

/// <summary>The options every web host of the gateway (the MCP endpoint, the admin plane) is built with.</summary>
internal static class GatewayHostOptions
{
    /// <summary>
    /// The data dir as content root, and no command line: the gateway is configured by its own file, never by the
    /// host's. The host's optional settings files are read once, not watched: watching them put an inotify watch on
    /// the data dir, and every write of the SQLite stores and the audit trail there woke a thread to read the events.
    /// </summary>
    public static WebApplicationOptions For(GatewayConfig config) => new()
    {
        Args = ["--hostBuilder:reloadConfigOnChange=false"],
        ContentRootPath = config.DataDir,
    };
}
