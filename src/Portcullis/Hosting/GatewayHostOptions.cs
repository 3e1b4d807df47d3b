using Portcullis.Core.Configuration;

namespace Portcullis.Hosting;

/// <summary>The options every web host of the gateway (the MCP endpoint, the admin plane) is built with.</summary>
internal static class GatewayHostOptions
{
    /// <summary>
    /// The data dir as content root, and none of the process's arguments: the gateway is configured by its own file,
    /// never by the host's. The one argument given turns off the watching of the host's optional settings files (they
    /// are read once): it put an inotify watch on the data dir, and every write of the SQLite stores and the audit
    /// trail there woke a thread to read the change events.
    /// </summary>
    public static WebApplicationOptions For(GatewayConfig config) => new()
    {
        Args = ["--hostBuilder:reloadConfigOnChange=false"],
        ContentRootPath = config.DataDir,
    };
}
