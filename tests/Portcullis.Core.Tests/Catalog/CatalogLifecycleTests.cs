using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Catalog;
using Portcullis.Core.Configuration;
using Portcullis.Core.Connectors;
using Portcullis.Core.Pipeline;
using Portcullis.Core.Pipeline.Stages;
using Portcullis.Core.Security;
using Portcullis.Core.Tools;
using Portcullis.Core.Upstreams;

namespace Portcullis.Core.Tests.Catalog;

/// <summary>Until the upstream first lists its tools, an allowed name is not "not found": it may exist in a moment.</summary>
public sealed class CatalogLifecycleTests
{
    /// <summary>Ends any await that takes longer than a test allows.</summary>
    private static CancellationToken Deadline => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    private static readonly CallerIdentity Reader = new("alice", null, new HashSet<string>(["crm:read"], StringComparer.Ordinal));
    private static readonly CallToolResult Called = new() { Content = [new TextContentBlock { Text = "called" }] };
    private readonly FakeTimeProvider _time = new();
    private readonly Connector _connector;

    public CatalogLifecycleTests()
    {
        var config = new ConnectorConfig
        {
            Server = "crm",
            Auth = new AuthConfig { Scopes = ["crm:read", "crm:admin"] },
            ToolsAllow = ["find", "purge"],
            Tools = new()
            {
                ["find"] = new ToolConfig { Scopes = ["crm:read"], ReadOnly = true },
                ["purge"] = new ToolConfig { Scopes = ["crm:admin"] },
            },
        };
        var supervisor = new UpstreamSupervisor("crm", () => throw new InvalidOperationException("never connected"), _time, NullLoggerFactory.Instance);
        _connector = new Connector(config, supervisor, new Portcullis.Core.Relay.ConnectorRelay("crm", TimeProvider.System, NullLogger.Instance), new ToolSchemaBuilder(new Portcullis.Core.Schemas.SchemaCache()), Portcullis.Core.Pins.PinRegistry.Off(), NullLogger.Instance);
    }

    [Fact]
    public async Task Authorize_CatalogUnknown_AllowedNameAnswersRetryableUnavailable()
    {
        var allowed = await AuthorizeAsync("find", Reader);
        var missingScope = await AuthorizeAsync("purge", Reader);
        var notAllowed = await AuthorizeAsync("drop_all", Reader);

        Assert.Equal(CatalogState.Unknown, _connector.CatalogState);
        Assert.Equal(("upstream_unavailable", 1), (allowed.Failure!.Code.Code, allowed.Failure.RetryAfterSeconds));
        Assert.Equal("tool_not_found", missingScope.Failure!.Code.Code);
        Assert.Equal("tool_not_found", notAllowed.Failure!.Code.Code);
    }

    [Fact]
    public async Task Authorize_CatalogKnown_AbsentToolIsNotFoundAndPresentOnePasses()
    {
        var schema = JsonDocument.Parse("""{"type":"object"}""").RootElement.Clone();
        await _connector.Catalog.RebuildAsync(new([new Tool { Name = "find", InputSchema = schema, Annotations = new ToolAnnotations { ReadOnlyHint = true } }]), () => { }, Deadline);

        var found = await AuthorizeAsync("find", Reader);
        var gone = await AuthorizeAsync("purge", new CallerIdentity("root", null, new HashSet<string>(["crm:admin"], StringComparer.Ordinal)));

        Assert.Null(found.Failure);
        Assert.Equal("tool_not_found", gone.Failure!.Code.Code);
        Assert.Equal(CatalogState.Stale, _connector.CatalogState); // listed once, but no live client now
    }

    [Fact]
    public async Task Rebuild_DestructiveToolAndLooseningOverlay_AreWithheldAsConfigErrors()
    {
        var config = new ConnectorConfig
        {
            Server = "crm",
            ToolsAllow = ["wipe", "strict"],
            Tools = new() { ["strict"] = new ToolConfig { ReadOnly = true, InputSchema = System.Text.Json.Nodes.JsonNode.Parse("""{"properties":{"code":{"maxLength":50}}}""")!.AsObject() } },
        };
        var supervisor = new UpstreamSupervisor("crm", () => throw new InvalidOperationException("never connected"), _time, NullLoggerFactory.Instance);
        var connector = new Connector(config, supervisor, new Portcullis.Core.Relay.ConnectorRelay("crm", TimeProvider.System, NullLogger.Instance), new ToolSchemaBuilder(new Portcullis.Core.Schemas.SchemaCache()), Portcullis.Core.Pins.PinRegistry.Off(), NullLogger.Instance);
        var strict = JsonDocument.Parse("""{"type":"object","properties":{"code":{"type":"string","maxLength":8}}}""").RootElement.Clone();

        await connector.Catalog.RebuildAsync(
            new([new Tool { Name = "wipe", InputSchema = strict, Annotations = new ToolAnnotations { DestructiveHint = true } }, new Tool { Name = "strict", InputSchema = strict }]),
            () => { },
            Deadline);

        Assert.Empty(connector.Catalog.Current.Ordered);
        var errors = connector.Refusals.Select(r => r.ToConfigError(3)).ToList();
        Assert.Contains(errors, e => e.Path == "$.connectors[3].tools_allow[0]" && e.Message.Contains("tools.wipe.allow_destructive", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "$.connectors[3].tools.strict.input_schema.properties.code.maxLength");
    }

    private async Task<ToolCallContext> AuthorizeAsync(string tool, CallerIdentity caller)
    {
        var context = new ToolCallContext(_connector, caller, tool, null, "corr");
        await new AuthorizeStage(_time).InvokeAsync(context, (_, _) => ValueTask.FromResult(Called), Deadline);
        return context;
    }
}
