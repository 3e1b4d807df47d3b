using System.Diagnostics;
using System.Text.Json;
using ModelContextProtocol.Protocol;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Gateway;

/// <summary>
/// The commands a newcomer tries first, from the folders they try them in: relative <c>--config</c> paths resolve
/// against the current folder, the config's own paths against the config's folder, and the sample's upstream is
/// found whichever way the gateway was built.
/// </summary>
[Collection(Clients.BuildsCollection.Name)]
public sealed class FirstRunTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    private static string SampleConfig => Path.Combine(RepoPaths.Root, "samples", "crm", "portcullis.json");

    [Fact]
    public async Task DotnetRun_FromTheRepositoryRoot_ServesTheSample()
    {
        using var dir = new TempDir();
                var start = Start("dotnet", RepoPaths.Root,
            "run", "--project", "src/Portcullis", "--", "serve", "--config", "samples/crm/portcullis.json", "--listen", "http://127.0.0.1:0", "--admin-listen", "http://127.0.0.1:0", "--data-dir", dir.Path);

        await using var gateway = await GatewayProcess.StartWithAsync(start, SampleConfig, dir.Path, Timeout);

        await AssertFindsAdaAsync(gateway);
    }

    [Fact]
    public async Task Serve_RelativeConfigFromAnotherFolder_ResolvesTheConfigsOwnPathsAgainstItsFolder()
    {
        using var dir = new TempDir();
                // From samples/, the config is crm/portcullis.json; its upstream (../../artifacts/...) is relative to samples/crm/.
        var start = Start("dotnet", Path.Combine(RepoPaths.Root, "samples"),
            RepoPaths.Gateway, "serve", "--config", "crm/portcullis.json", "--listen", "http://127.0.0.1:0", "--admin-listen", "http://127.0.0.1:0", "--data-dir", dir.Path);

        await using var gateway = await GatewayProcess.StartWithAsync(start, SampleConfig, dir.Path, Timeout);

        await AssertFindsAdaAsync(gateway);
    }

    internal static async Task AssertFindsAdaAsync(GatewayProcess gateway)
    {
        var token = await PortcullisCli.DevTokenAsync(gateway, "crm-mcp", "contacts:read");
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("crm-mcp"), token);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var result = await client.CallToolAsync("find_contact", new Dictionary<string, object?> { ["query"] = "Lovelace" }, cancellationToken: cts.Token);
        Assert.NotEqual(true, result.IsError);
        Assert.Contains("ada@example.com", JsonSerializer.Serialize(result.StructuredContent), StringComparison.Ordinal);
        Assert.NotEmpty(result.Content.OfType<TextContentBlock>());
    }

    internal static ProcessStartInfo Start(string fileName, string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { WorkingDirectory = workingDirectory };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }
}
