using ModelContextProtocol.Server;

namespace Portcullis.Fixtures.Upstream;

internal static class FixtureServer
{
    public static void Configure(McpServerOptions options) =>
        options.ServerInfo = new() { Name = "fixture", Version = "1.0.0" };
}
