using System.Text.Json.Nodes;
using Portcullis.Core.Audit;
using Portcullis.Testing.Servers;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Audit;

/// <summary><c>portcullis audit</c> on its own: what its help promises.</summary>
public sealed class AuditCommandTests
{
    [Fact]
    public async Task Help_KindAndDecision_ListEveryValueTheFiltersAccept()
    {
        var (exit, stdout, output) = await PortcullisCli.RunAsync("audit", "--help");

        Assert.True(exit == 0, output);
        var help = string.Join(' ', stdout.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"Only events of this kind: {string.Join(", ", AuditKinds.All)}.", help, StringComparison.Ordinal);
        Assert.Contains($"Only events with this decision: {string.Join(", ", AuditDecisions.All)}.", help, StringComparison.Ordinal);
        Assert.Contains(AuditKinds.ReviewDecided, help, StringComparison.Ordinal);
        Assert.Contains(AuditKinds.DevSignIn, help, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Audit_PostgresTrailUnreachable_ConfigWithoutAdvertiseUrl_SaysSoWithoutAStackTrace()
    {
        using var dir = new TempDir();
        // A socket folder with no server in it: the store sink's PostgreSQL does not answer.
        File.WriteAllText(dir.File("state-connection"), $"Host={dir.File("no-server")};Port=5999;Username=portcullis;Database=postgres;Timeout=3");
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["echo"]));
        config["identity"] = new JsonObject { ["issuer"] = "https://login.example.com/", ["jwks_uri"] = "https://login.example.com/keys" };
        // As operations.md runs replicas: one file for all, each replica's address given by serve --advertise-url.
        config["state"] = new JsonObject { ["store"] = "postgres", ["connection"] = "file:state-connection" };
        var path = TestConfig.Write(dir, config);

        var (exit, _, output) = await PortcullisCli.RunAsync("audit", "--config", path, "--data-dir", dir.File("data"), "--limit", "1");

        Assert.True(exit == AuditCommandExit.Unavailable, output);
        Assert.Contains("Cannot read the audit trail (store sink, postgres store): NpgsqlException", output, StringComparison.Ordinal);
        Assert.DoesNotContain("advertise_url", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    /// <summary>Before, a corrupt audit.db printed an unhandled exception, and any file was turned into a trail (tables, WAL) by reading it.</summary>
    [Theory]
    [InlineData("garbage")]
    [InlineData("another_database")]
    public async Task Audit_AFileThatIsNoTrail_SaysSoWithoutAStackTrace_AndChangesNothing(string kind)
    {
        using var dir = new TempDir();
        var path = TestConfig.Write(dir, TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["echo"])));
        var data = Directory.CreateDirectory(dir.File("data")).FullName;
        var trail = Path.Combine(data, "audit.db");
        if (kind == "garbage")
        {
            File.WriteAllBytes(trail, [.. "SQLite format 3\0"u8, .. new byte[4096]]);
        }
        else
        {
            using var other = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={trail};Pooling=false");
            other.Open();
            using var create = other.CreateCommand();
            create.CommandText = "CREATE TABLE other (x INTEGER)";
            create.ExecuteNonQuery();
        }

        var before = File.ReadAllBytes(trail);

        var (exit, _, output) = await PortcullisCli.RunAsync("audit", "--config", path, "--data-dir", data, "--limit", "1");

        Assert.True(exit == AuditCommandExit.Unavailable, output);
        Assert.Contains("Cannot read the audit trail (store sink, sqlite store): SqliteException", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(trail));
        Assert.False(File.Exists(trail + "-wal"));
    }

    /// <summary>
    /// Before, a jsonl line that is JSON but not an event the gateway wrote (a lone surrogate escaped in a string, a
    /// duration past a double's range: a damaged or hand-edited line) printed an unhandled exception, and made every
    /// admin API page over it a 500, though lines that are not events are documented as skipped.
    /// </summary>
    [Theory]
    [InlineData("\"tool\":\"a\\ud800b\"")]
    [InlineData("\"duration_ms\":1e400")]
    public async Task Audit_JsonlLineThatIsNoEvent_IsSkipped(string damage)
    {
        using var dir = new TempDir();
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["echo"]));
        config["audit"] = new JsonObject { ["sink"] = "jsonl" };
        var path = TestConfig.Write(dir, config);
        var data = Directory.CreateDirectory(dir.File("data")).FullName;
        const string Event = "{\"time\":\"2026-12-06T10:00:00.000Z\",\"correlation_id\":\"c-good\",\"environment\":\"test\",\"kind\":\"tool_call\",\"decision\":\"allowed\"}";
        var damaged = "{\"time\":\"2026-12-06T10:00:01.000Z\",\"correlation_id\":\"c-damaged\",\"environment\":\"test\",\"kind\":\"tool_call\",\"decision\":\"allowed\"," + damage + "}";
        await File.WriteAllTextAsync(Path.Combine(data, "audit.jsonl"), Event + "\n" + damaged + "\n");

        var (exit, stdout, output) = await PortcullisCli.RunAsync("audit", "--config", path, "--data-dir", data, "--json");

        Assert.True(exit == 0, output);
        Assert.Contains("c-good", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
    }

    /// <summary>Before, the table printed a request path or tool name as sent: an escape sequence cleared the operator's screen and a line break forged a row.</summary>
    [Fact]
    public async Task Audit_Table_EscapesWhatCallersSent_SoNoEscapeSequenceOrForgedRowReachesTheTerminal()
    {
        using var dir = new TempDir();
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["echo"]))), dir.File("data"));
        using var http = new HttpClient { Timeout = Timeouts.Call };
        using var answer = await http.GetAsync(gateway.BaseUrl + "/mcp/%1b%5b2J%0aFORGED%e2%80%aeevil");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, answer.StatusCode);

        var stdout = await WaitForAuditAsync(gateway, "http_refusal", "FORGED");

        Assert.Contains("/mcp/\\u001b[2J\\u000aFORGED\\u202eevil", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', stdout);
        Assert.DoesNotContain('\u202e', stdout);
        Assert.DoesNotContain(stdout.Split('\n'), line => line.StartsWith("FORGED", StringComparison.Ordinal));
    }

    /// <summary>
    /// Before, one refused request stopped a PostgreSQL trail: its path, cut to 256 characters inside an emoji, left half a
    /// surrogate pair, which PostgreSQL cannot store; the batch holding it was retried forever, and with
    /// <c>audit.required</c> every call was refused from then on.
    /// </summary>
    [Fact]
    public async Task PostgresTrail_RefusedPathCutInsideAnEmoji_IsStored_AndCallsGoOn()
    {
        using var dir = new TempDir();
        await using var postgres = await PostgresServer.StartAsync();
        File.WriteAllText(dir.File("state-connection"), postgres.ConnectionString);
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fixture", ["echo"]));
        config["state"] = new JsonObject { ["store"] = "postgres", ["connection"] = "file:state-connection" };
        config["replica"] = new JsonObject { ["id"] = "replica-a", ["advertise_url"] = "http://127.0.0.1:0" };
        config["audit"] = new JsonObject { ["required"] = true };
        await using var gateway = await GatewayProcess.StartAsync(TestConfig.Write(dir, config), dir.File("data"));
        using var http = new HttpClient { Timeout = Timeouts.Call };
        var marker = new string('a', 250);

        using (var refused = await http.GetAsync(gateway.BaseUrl + "/mcp/" + marker + "%F0%9F%98%80"))
        {
            Assert.Equal(System.Net.HttpStatusCode.NotFound, refused.StatusCode);
        }

        // The table cuts the target short: its start is enough.
        await WaitForAuditAsync(gateway, "http_refusal", "/mcp/aaaaaaaaaa");
        await using var client = await McpClients.ConnectAsync(gateway.Endpoint("fixture"));
        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "after" }, cancellationToken: Timeouts.CallToken);
        Assert.NotEqual(true, echo.IsError);
        await WaitForAuditAsync(gateway, "tool_call", "echo");
    }

    /// <summary>What <c>portcullis audit --kind</c> prints, once it holds <paramref name="text"/>.</summary>
    private static async Task<string> WaitForAuditAsync(GatewayProcess gateway, string kind, string text)
    {
        var stdout = "";
        for (var deadline = DateTime.UtcNow + Timeouts.Call; !stdout.Contains(text, StringComparison.Ordinal) && DateTime.UtcNow < deadline; await Task.Delay(250))
        {
            (_, stdout, _) = await PortcullisCli.RunAsync("audit", "--config", gateway.ConfigPath, "--data-dir", gateway.DataDir, "--kind", kind);
        }

        Assert.True(stdout.Contains(text, StringComparison.Ordinal), $"the {kind} event in the trail:\n{stdout}\n{gateway.Output}");
        return stdout;
    }

    private static class AuditCommandExit
    {
        /// <summary>AuditCommand.UnavailableExitCode: the trail's store did not answer.</summary>
        public const int Unavailable = 1;
    }
}
