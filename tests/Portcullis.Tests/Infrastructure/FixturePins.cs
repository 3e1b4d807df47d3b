using ModelContextProtocol.Client;
using Portcullis.Core.Pins;

namespace Portcullis.Tests.Infrastructure;

/// <summary>Pins the fixture upstream's tools as they are now, listed by a real MCP client over stdio.</summary>
internal static class FixturePins
{
    public static async Task<LockFile> LiveAsync(string connector, params string[] tools)
    {
        var transport = new StdioClientTransport(new StdioClientTransportOptions { Name = "fixture", Command = "dotnet", Arguments = [RepoPaths.Fixture] });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var client = await McpClient.CreateAsync(transport, cancellationToken: cts.Token);
        var listed = await client.ListToolsAsync(cancellationToken: cts.Token);
        var file = new LockFile();
        foreach (var tool in listed.Where(t => tools.Contains(t.Name)))
        {
            file.Set(connector, tool.Name, ToolPin.Of(PinnedDefinition.From(tool.ProtocolTool)));
        }

        Assert.Equal(tools.Length, file.Connectors[connector][PinKind.Tool].Count);
        return file;
    }

    public static void Write(TempDir dir, LockFile file) => LockFileWriter.Write(dir.File(LockFile.FileName), file);
}
