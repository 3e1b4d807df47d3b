using System.Text.Json;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Catalog;
using Portcullis.Core.Configuration;
using Portcullis.Core.Pins;
using Portcullis.Core.Tools;

namespace Portcullis.Core.Tests.Tools;

/// <summary>An upstream's hints loosen policy only when a reviewed pin vouches for them, or the config says the same.</summary>
public sealed class HintTrustTests
{
    private static readonly JsonElement Schema = JsonDocument.Parse("""{"type":"object","properties":{"q":{"type":"string"}}}""").RootElement.Clone();

    [Fact]
    public void Build_UnpinnedReadOnlyHint_IsAWriteWithAKeyAndTellsAgentsSo()
    {
        var catalog = Build(Tool("search", readOnly: true, destructive: false), pins: null);

        Assert.True(catalog.TryGet("search", out var tool));
        Assert.False(tool.ReadOnly);
        Assert.False(tool.Destructive);
        Assert.True(tool.Exposed.InputSchema.GetProperty("properties").TryGetProperty("idempotency_key", out _));
        Assert.False(tool.Exposed.Annotations!.ReadOnlyHint);
        Assert.False(tool.Exposed.Annotations.DestructiveHint);
    }

    [Fact]
    public void Build_PinnedReadOnlyHint_IsARead()
    {
        var upstream = Tool("search", readOnly: true, destructive: false);

        var catalog = Build(upstream, Pinned(upstream));

        Assert.True(catalog.TryGet("search", out var tool));
        Assert.True(tool.ReadOnly);
        Assert.False(tool.Exposed.InputSchema.GetProperty("properties").TryGetProperty("idempotency_key", out _));
        Assert.True(tool.Exposed.Annotations!.ReadOnlyHint);
        Assert.Null(tool.Exposed.Annotations.DestructiveHint);
    }

    [Fact]
    public void Build_ConfigDeclaresReadOnly_IsAReadWithoutPins()
    {
        var catalog = Build(Tool("search", readOnly: null, destructive: null), pins: null, new ToolConfig { ReadOnly = true });

        Assert.True(catalog.TryGet("search", out var tool));
        Assert.True(tool.ReadOnly);
        Assert.True(tool.Exposed.Annotations!.ReadOnlyHint);
    }

    [Fact]
    public void Build_ConfigDeclaresAWrite_OverridesAPinnedReadOnlyHintForAgentsToo()
    {
        var upstream = Tool("search", readOnly: true, destructive: false);

        var catalog = Build(upstream, Pinned(upstream), new ToolConfig { ReadOnly = false });

        Assert.True(catalog.TryGet("search", out var tool));
        Assert.False(tool.ReadOnly);
        Assert.False(tool.Exposed.Annotations!.ReadOnlyHint);
    }

    [Fact]
    public void Build_UnpinnedReadOnlyHintWithoutDestructiveHint_IsRefusedAsDestructiveSayingHowToAdmitIt()
    {
        var catalog = Build(Tool("search", readOnly: true, destructive: null), pins: null);

        Assert.False(catalog.TryGet("search", out _));
        var refusal = Assert.Single(catalog.Refusals);
        Assert.Equal(CatalogRefusalKind.DestructiveNotOptedIn, refusal.Kind);
        Assert.Contains("no pin vouches for that hint", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("tools.search.read_only: true", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_PinnedReadOnlyHintWithoutDestructiveHint_IsServed()
    {
        var upstream = Tool("search", readOnly: true, destructive: null);

        var catalog = Build(upstream, Pinned(upstream));

        Assert.True(catalog.TryGet("search", out var tool));
        Assert.True(tool.ReadOnly);
    }

    [Fact]
    public void Build_UnannotatedTool_KeepsTheUpstreamsOtherHintsAndTitle()
    {
        var upstream = Tool("note", readOnly: false, destructive: false);
        upstream.Annotations!.Title = "Add a note";
        upstream.Annotations.IdempotentHint = true;
        upstream.Annotations.OpenWorldHint = false;

        var catalog = Build(upstream, pins: null);

        Assert.True(catalog.TryGet("note", out var tool));
        Assert.Equal("Add a note", tool.Exposed.Annotations!.Title);
        Assert.True(tool.Exposed.Annotations.IdempotentHint);
        Assert.False(tool.Exposed.Annotations.OpenWorldHint);
        Assert.False(tool.Exposed.Annotations.ReadOnlyHint);
    }

    /// <summary>Before, a name listed twice failed the whole catalog build, and the connector restarted in a loop.</summary>
    [Fact]
    public void Build_AToolTheUpstreamListsTwice_IsWithheldAndTheOthersServed()
    {
        var connector = new ConnectorConfig { Server = "docs", ToolsAllow = ["search", "fetch"], Tools = { ["search"] = new ToolConfig { ReadOnly = true }, ["fetch"] = new ToolConfig { ReadOnly = true } } };
        var upstream = new[] { Tool("search", readOnly: true, destructive: false), Tool("fetch", readOnly: true, destructive: false), Tool("search", readOnly: false, destructive: true) };

        var catalog = ToolCatalog.Build(connector, upstream, new ToolSchemaBuilder(new Portcullis.Core.Schemas.SchemaCache()));

        Assert.False(catalog.TryGet("search", out _));
        Assert.True(catalog.TryGet("fetch", out _));
        var refusal = Assert.Single(catalog.Refusals);
        Assert.Equal(("search", "listed_twice"), (refusal.Tool, refusal.Reason));
    }

    private static ToolCatalog Build(Tool upstream, LockFile? pins, ToolConfig? policy = null)
    {
        var connector = new ConnectorConfig { Server = "docs", ToolsAllow = [upstream.Name] };
        if (policy is not null)
        {
            connector.Tools[upstream.Name] = policy;
        }

        return ToolCatalog.Build(connector, [upstream], new ToolSchemaBuilder(new Portcullis.Core.Schemas.SchemaCache()), pins);
    }

    private static LockFile Pinned(Tool upstream)
    {
        var file = new LockFile();
        file.Set("docs", upstream.Name, ToolPin.Of(PinnedDefinition.From(upstream)));
        return file;
    }

    private static Tool Tool(string name, bool? readOnly, bool? destructive) => new()
    {
        Name = name,
        InputSchema = Schema,
        Annotations = new ToolAnnotations { ReadOnlyHint = readOnly, DestructiveHint = destructive },
    };
}
