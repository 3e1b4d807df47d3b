using System.Text.Json;
using Portcullis.Tests.Infrastructure;
using Xunit;

namespace Portcullis.Tests.Conformance;

/// <summary>
/// A client users already have: the MCP Inspector CLI (pinned in tests/conformance/package.json) lists the
/// sample CRM's tools through the gateway and calls one, as a user following the README would.
/// </summary>
[Collection(ConformanceCollection.Name)]
public sealed class InspectorCliTests
{
    private static readonly TimeSpan CliTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task InspectorCli_ToolsList_ShowsTheSampleCrmTools()
    {
        using var data = new TempDir();
        var (gateway, token) = await SampleGatewayAsync(data);
        await using var _ = gateway;

        var (exitCode, stdout, output) = await InspectorAsync(gateway.Endpoint("crm-mcp"), token, "--method", "tools/list");

        Assert.True(exitCode == 0, output);
        var names = JsonDocument.Parse(stdout).RootElement.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToList();
        Assert.Contains("find_contact", names);
        Assert.Contains("add_note", names);
    }

    [Fact]
    public async Task InspectorCli_ToolsCall_FindsTheSampleContact()
    {
        using var data = new TempDir();
        var (gateway, token) = await SampleGatewayAsync(data);
        await using var _ = gateway;

        var (exitCode, stdout, output) = await InspectorAsync(gateway.Endpoint("crm-mcp"), token, "--method", "tools/call", "--tool-name", "find_contact", "--tool-arg", "query=Lovelace");

        Assert.True(exitCode == 0, output);
        var result = JsonDocument.Parse(stdout).RootElement;
        Assert.False(result.TryGetProperty("isError", out var isError) && isError.GetBoolean(), output);
        Assert.Contains("ada@example.com", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InspectorCli_UnknownConnector_Fails()
    {
        using var data = new TempDir();
        var (gateway, token) = await SampleGatewayAsync(data);
        await using var _ = gateway;

        var (exitCode, _, _) = await InspectorAsync(gateway.Endpoint("no-such-connector"), token, "--method", "tools/list");

        Assert.NotEqual(0, exitCode);
    }

    [Fact]
    public async Task InspectorCli_WithoutToken_IsRefused()
    {
        using var data = new TempDir();
        var (gateway, _) = await SampleGatewayAsync(data);
        await using var _ = gateway;

        var (exitCode, stdout, _) = await InspectorAsync(gateway.Endpoint("crm-mcp"), null, "--method", "tools/list");

        Assert.NotEqual(0, exitCode);
        Assert.DoesNotContain("find_contact", stdout, StringComparison.Ordinal);
    }

    /// <summary>
    /// A first run without a token, as a person at a terminal would try it: the Inspector follows the 401 into OAuth
    /// discovery and registration. Before, the gateway's authorization server metadata and the registration fallback were
    /// 404s, shown as a registration failure quoting a not-found body; now the registration's refusal names the command.
    /// </summary>
    [Fact]
    public async Task InspectorCli_WithoutTokenOnTheDevIdentity_IsToldHowToMintOne()
    {
        using var data = new TempDir();
        var (gateway, _) = await SampleGatewayAsync(data);
        await using var _ = gateway;

        // Interactive OAuth, which the CLI starts only at a terminal unless told it may open a browser (it never gets that far).
        var (exitCode, stdout, output) = await NodeTools.RunAsync(NodeTools.Inspector,
            ["--cli", gateway.Endpoint("crm-mcp").ToString(), "--transport", "http", "--method", "tools/list"], CliTimeout,
            new Dictionary<string, string> { ["MCP_AUTO_OPEN_ENABLED"] = "true", ["BROWSER"] = "true" });

        Assert.NotEqual(0, exitCode);
        Assert.DoesNotContain("find_contact", stdout, StringComparison.Ordinal);
        Assert.Contains("portcullis token --config", output, StringComparison.Ordinal);
        Assert.Contains("--connector crm-mcp", output, StringComparison.Ordinal);
    }

    /// <summary>The README's sample exactly: samples/crm/portcullis.json (oauth, dev identity) and a minted token.</summary>
    private static async Task<(GatewayProcess Gateway, string Token)> SampleGatewayAsync(TempDir data)
    {
        var gateway = await GatewayProcess.StartAsync(Path.Combine(RepoPaths.Root, "samples", "crm", "portcullis.json"), data.Path, extraArgs: AdminPlane.ServeArgs);
        return (gateway, await PortcullisCli.DevTokenAsync(gateway, "crm-mcp", "contacts:read,notes:read,notes:write"));
    }

    private static Task<NodeRun> InspectorAsync(Uri endpoint, string? bearerToken, params string[] arguments)
    {
        List<string> all = ["--cli", endpoint.ToString(), "--transport", "http"];
        if (bearerToken is not null)
        {
            all.AddRange(["--header", $"Authorization: Bearer {bearerToken}"]);
        }

        all.AddRange(arguments);
        return NodeTools.RunAsync(NodeTools.Inspector, all, CliTimeout);
    }
}
