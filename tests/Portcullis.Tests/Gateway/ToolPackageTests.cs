using System.Diagnostics;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Gateway;

/// <summary>
/// <c>dotnet pack</c> makes <c>portcullis</c> a .NET tool in artifacts/package; installed as the README says (into a
/// scratch tool path instead of the global one), it serves the sample and mints its tokens.
/// </summary>
[Collection(Clients.BuildsCollection.Name)]
public sealed class ToolPackageTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task PackedTool_InstalledFromArtifactsPackage_ServesTheSample()
    {
        using var dir = new TempDir();
        var tools = dir.File("tools");
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        // The build is the one under test (scripts/test.sh built it); pack only packages it.
        await RunAsync("dotnet", "pack", "src/Portcullis", "-c", configuration, "--no-build", "-nologo");
        Assert.True(File.Exists(Path.Combine(RepoPaths.Root, "artifacts", "package", "Portcullis.0.1.0.nupkg")));
        await RunAsync("dotnet", "tool", "install", "--tool-path", tools, "--add-source", "artifacts/package", "Portcullis");
        var portcullis = Path.Combine(tools, "portcullis");

        var help = await RunAsync(portcullis, "--help");
        Assert.Contains("serve", help, StringComparison.Ordinal);
        Assert.Contains("token", help, StringComparison.Ordinal);

                var data = dir.File("data");
        var start = FirstRunTests.Start(portcullis, RepoPaths.Root, "serve", "--config", "samples/crm/portcullis.json", "--listen", "http://127.0.0.1:0", "--admin-listen", "http://127.0.0.1:0", "--data-dir", data);
        await using var gateway = await GatewayProcess.StartWithAsync(start, Path.Combine(RepoPaths.Root, "samples", "crm", "portcullis.json"), data, Timeout);

        var token = await RunAsync(portcullis, "token", "--config", "samples/crm/portcullis.json", "--listen", gateway.BaseUrl, "--data-dir", data, "--connector", "crm-mcp", "--scopes", "contacts:read");
        Assert.StartsWith("ey", token.TrimEnd().Split('\n')[^1], StringComparison.Ordinal);
        await FirstRunTests.AssertFindsAdaAsync(gateway);
    }

    /// <summary>Runs a command from the repository root; fails the test unless it succeeds. Returns its standard output.</summary>
    private static async Task<string> RunAsync(string fileName, params string[] arguments)
    {
        var start = FirstRunTests.Start(fileName, RepoPaths.Root, arguments);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish within {Timeout}");
        }

        Assert.True(process.ExitCode == 0, $"{fileName} {string.Join(' ', arguments)} exited {process.ExitCode}:\n{await stdout}\n{await stderr}");
        return await stdout;
    }
}
