using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Portcullis.Benchmarks;

/// <summary>
/// End to end through a real MCP client and the real gateway process in front of the sample CRM: a read
/// (find_contact, no idempotency) against a first write (add_note, new key: claim, forward, store) and a replayed write.
/// </summary>
/// <remarks>Needs the release builds of the gateway and the CRM: <c>dotnet build -c Release src/Portcullis samples/crm</c>.</remarks>
public class WritePathBenchmarks
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "portcullis-bench-e2e-" + Guid.NewGuid().ToString("N")[..8]);
    private Process _gateway = null!;
    private McpClient _client = null!;
    private long _next;

    [GlobalSetup]
    public void Setup()
    {
        var root = FindRoot();
        Directory.CreateDirectory(_dir);
        var port = FreePort();
        var config = new JsonObject
        {
            ["environment"] = "bench",
            ["connectors"] = new JsonArray(new JsonObject
            {
                ["server"] = "crm",
                ["environment"] = "bench",
                ["upstream"] = new JsonObject
                {
                    ["command"] = "dotnet",
                    ["args"] = new JsonArray(Path.Combine(root, "artifacts", "samples", "Portcullis.Samples.Crm", "Portcullis.Samples.Crm.dll"), "--db", "{data_dir}/crm.db"),
                },
                ["auth"] = new JsonObject { ["mode"] = "none" },
                ["tools_allow"] = new JsonArray("find_contact", "add_note"),
                ["tools"] = new JsonObject { ["find_contact"] = new JsonObject { ["read_only"] = true } },
            }),
        };
        var configPath = Path.Combine(_dir, "portcullis.json");
        File.WriteAllText(configPath, config.ToJsonString());
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { Dll(root, "Portcullis", "portcullis"), "serve", "--config", configPath, "--listen", $"http://127.0.0.1:{port}", "--data-dir", Path.Combine(_dir, "data") })
        {
            start.ArgumentList.Add(arg);
        }

        _gateway = Process.Start(start)!;
        _gateway.OutputDataReceived += (_, _) => { };
        _gateway.ErrorDataReceived += (_, _) => { };
        _gateway.BeginOutputReadLine();
        _gateway.BeginErrorReadLine();
        WaitReady($"http://127.0.0.1:{port}/readyz");
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri($"http://127.0.0.1:{port}/mcp/crm"),
            TransportMode = HttpTransportMode.StreamableHttp,
        });
        _client = McpClient.CreateAsync(transport).GetAwaiter().GetResult();
        AddNote("replayed-key").GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _gateway.Kill(entireProcessTree: true);
        _gateway.WaitForExit();
        _gateway.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Benchmark(Baseline = true)]
    public async Task<CallToolResult> ReadFindContact() =>
        await _client.CallToolAsync("find_contact", new Dictionary<string, object?> { ["query"] = "Ada" });

    [Benchmark]
    public Task<CallToolResult> WriteAddNoteNewKey() => AddNote("k-" + Interlocked.Increment(ref _next));

    [Benchmark]
    public Task<CallToolResult> WriteAddNoteReplayed() => AddNote("replayed-key");

    private async Task<CallToolResult> AddNote(string key) =>
        await _client.CallToolAsync("add_note", new Dictionary<string, object?>
        {
            ["contact_id"] = "c-1001",
            ["body"] = "Benchmark note",
            ["idempotency_key"] = key,
        });

    private static void WaitReady(string url)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(120))
        {
            try
            {
                if (http.GetAsync(url).GetAwaiter().GetResult().IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            Thread.Sleep(200);
        }

        throw new TimeoutException("The gateway did not become ready.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Dll(string root, string project, string assembly) =>
        Path.Combine(root, "artifacts", "bin", project, "release", assembly + ".dll");

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Portcullis.slnx")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Portcullis.slnx not found.");
    }
}
