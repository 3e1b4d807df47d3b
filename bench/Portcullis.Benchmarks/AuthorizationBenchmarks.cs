using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Configuration;
using Portcullis.Core.Connectors;
using Portcullis.Core.Pipeline;
using Portcullis.Core.Pipeline.Stages;
using Portcullis.Core.Security;
using Portcullis.Core.Tools;
using Portcullis.Core.Upstreams;

namespace Portcullis.Benchmarks;

/// <summary>
/// The authorization decision (catalog lookup, allow-list, scope check) and the caller's <c>tools/list</c>, on a
/// connector with 10 and with 1,000 allowed tools. The call is for the last tool in the catalog.
/// </summary>
[MemoryDiagnoser]
public class AuthorizationBenchmarks
{
    private static readonly CallToolResult Answer = new() { Content = [new TextContentBlock { Text = "ok" }] };
    private static readonly ToolCallHandler Next = (_, _) => ValueTask.FromResult(Answer);
    private readonly AuthorizeStage _stage = new(TimeProvider.System);
    private readonly ToolListing _listing = new();
    private Connector _connector = null!;
    private CallerIdentity _reader = null!;
    private CallerIdentity _nobody = null!;
    private string _last = "";

    [Params(10, 1_000)]
    public int Tools { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var schema = JsonDocument.Parse("""{"type":"object","properties":{"text":{"type":"string","maxLength":100}},"required":["text"]}""").RootElement.Clone();
        var upstreamTools = Enumerable.Range(0, Tools)
            .Select(i => new Tool { Name = $"tool_{i:D4}", Description = "Echoes its text.", InputSchema = schema, Annotations = new ToolAnnotations { ReadOnlyHint = true } })
            .ToList();
        var config = new ConnectorConfig
        {
            Server = "bench",
            Environment = "prod",
            Auth = new AuthConfig { Mode = "oauth", Scopes = ["echo:read"] },
            ToolsAllow = [.. upstreamTools.Select(t => t.Name)],
            Tools = upstreamTools.ToDictionary(t => t.Name, _ => new ToolConfig { Scopes = ["echo:read"], ReadOnly = true }),
        };
        var supervisor = new UpstreamSupervisor("bench", () => throw new InvalidOperationException("never connected"), TimeProvider.System, NullLoggerFactory.Instance);
        _connector = new Connector(config, supervisor, new Portcullis.Core.Relay.ConnectorRelay("bench", TimeProvider.System, NullLogger.Instance), new ToolSchemaBuilder(new Portcullis.Core.Schemas.SchemaCache()), Portcullis.Core.Pins.PinRegistry.Off(), NullLogger.Instance);
        // The catalog is built when the upstream lists its tools; the benchmark plays that list.
        _connector.Catalog.RebuildAsync(new(upstreamTools), () => { }, CancellationToken.None).GetAwaiter().GetResult();
        _last = upstreamTools[^1].Name;
        _reader = new CallerIdentity("alice", null, new HashSet<string>(["echo:read", "other:scope"], StringComparer.Ordinal));
        _nobody = new CallerIdentity("bob", null, new HashSet<string>(["other:scope"], StringComparer.Ordinal));
    }

    /// <summary>Only the catalog lookup by name.</summary>
    [Benchmark(Baseline = true)]
    public bool CatalogLookup() => _connector.Catalog.Current.TryGet(_last, out _);

    /// <summary>The whole authorize stage for an allowed call, including the call context it fills.</summary>
    [Benchmark]
    public ValueTask<CallToolResult> AuthorizeAllowed() =>
        _stage.InvokeAsync(new ToolCallContext(_connector, _reader, _last, null, "corr"), Next, CancellationToken.None);

    /// <summary>A caller without the tool's scope: answered as an unknown tool (builds the error envelope).</summary>
    [Benchmark]
    public ValueTask<CallToolResult> AuthorizeMissingScope() =>
        _stage.InvokeAsync(new ToolCallContext(_connector, _nobody, _last, null, "corr"), Next, CancellationToken.None);

    /// <summary>The caller's <c>tools/list</c> answer (serialization to the wire not included).</summary>
    [Benchmark]
    public ValueTask<ListToolsResult> ListTools() => _listing.ListAsync(_connector, _reader, CancellationToken.None);
}
