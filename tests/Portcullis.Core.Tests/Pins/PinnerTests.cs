using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Catalog;
using Portcullis.Core.Configuration;
using Portcullis.Core.Pins;
using Portcullis.Core.Schemas;
using Portcullis.Core.Tools;

namespace Portcullis.Core.Tests.Pins;

/// <summary>What <c>pin</c> writes, and how a catalog treats tools against their pins.</summary>
public sealed class PinnerTests
{
    private static readonly JsonElement Schema = JsonDocument.Parse("""{"type":"object","properties":{"text":{"type":"string","maxLength":9}}}""").RootElement.Clone();

    private static Tool Tool(string name, string description = "Reviewed.", bool? readOnly = true, bool? destructive = false) => new()
    {
        Name = name,
        Description = description,
        InputSchema = Schema,
        Annotations = new ToolAnnotations { ReadOnlyHint = readOnly, DestructiveHint = destructive },
    };

    private static Dictionary<string, IReadOnlyList<LiveDefinition>> Live(params Tool[] tools) =>
        new() { ["crm"] = [.. tools.Select(t => new LiveDefinition(PinKind.Tool, t.Name, PinnedDefinition.From(t)))] };

    [Fact]
    public void FirstRun_PinsEveryDefinition()
    {
        var (file, entries) = Pinner.Run(null, Live(Tool("a"), Tool("b")), _ => false);

        Assert.All(entries, e => Assert.Equal(PinOutcome.Pinned, e.Outcome));
        Assert.Equal(2, file.Count);
    }

    [Fact]
    public void LaterRun_ChangesNoPinAndPinsNothingNewUnlessAccepted()
    {
        var (existing, _) = Pinner.Run(null, Live(Tool("a")), _ => false);
        var before = existing.Find("crm", "a")!;

        var (file, entries) = Pinner.Run(existing, Live(Tool("a", "Changed."), Tool("b")), _ => false);

        Assert.Equal(PinOutcome.Drifted, entries.Single(e => e.Name == "a").Outcome);
        Assert.Equal(["description"], entries.Single(e => e.Name == "a").Changed);
        Assert.Equal(PinOutcome.Unpinned, entries.Single(e => e.Name == "b").Outcome);
        Assert.Same(before, file.Find("crm", "a"));
        Assert.Null(file.Find("crm", "b"));
        Assert.All(entries, e => Assert.True(e.NeedsReview));
    }

    [Fact]
    public void Accept_RepinsTheNamedDefinitionOnly()
    {
        var (existing, _) = Pinner.Run(null, Live(Tool("a"), Tool("b")), _ => false);

        var (file, entries) = Pinner.Run(existing, Live(Tool("a", "Changed."), Tool("b", "Changed too.")), d => d.Name == "a");

        Assert.Equal(PinOutcome.Accepted, entries.Single(e => e.Name == "a").Outcome);
        Assert.Equal(PinOutcome.Drifted, entries.Single(e => e.Name == "b").Outcome);
        Assert.Equal(PinState.Matches, file.Find("crm", "a")!.Check(PinnedDefinition.From(Tool("a", "Changed."))).State);
    }

    /// <summary>Before, the second definition overwrote the first and was reported "accepted", though nobody accepted it.</summary>
    [Fact]
    public void FirstRun_ANameListedTwice_PinsNeitherDefinitionAndStaysWithheld()
    {
        var (file, entries) = Pinner.Run(null, Live(Tool("a"), Tool("dup"), Tool("dup", "Evil.", readOnly: false, destructive: true)), _ => false);

        var dup = Assert.Single(entries, e => e.Name == "dup");
        Assert.Equal(PinOutcome.ListedTwice, dup.Outcome);
        Assert.True(dup.Withheld);
        Assert.False(dup.NeedsReview);
        Assert.Null(file.Find("crm", "dup"));
        Assert.Equal(PinOutcome.Pinned, entries.Single(e => e.Name == "a").Outcome);
    }

    [Fact]
    public void Accept_ANameListedTwice_KeepsItsPinAsItIs()
    {
        var (existing, _) = Pinner.Run(null, Live(Tool("dup")), _ => false);
        var before = existing.Find("crm", "dup")!;

        var (file, entries) = Pinner.Run(existing, Live(Tool("dup", "Evil."), Tool("dup")), d => d.Name == "dup");

        Assert.Equal(PinOutcome.ListedTwice, Assert.Single(entries).Outcome);
        Assert.Same(before, file.Find("crm", "dup"));
    }

    [Fact]
    public void Catalog_WithPins_WithholdsDriftedAndUnpinnedBeforeTheirHintsCount()
    {
        var pins = new LockFile();
        pins.Set("crm", "read", ToolPin.Of(PinnedDefinition.From(Tool("read"))));
        pins.Set("crm", "flipped", ToolPin.Of(PinnedDefinition.From(Tool("flipped"))));
        var config = new ConnectorConfig { Server = "crm", ToolsAllow = ["read", "flipped", "fresh"] };

        // 'flipped' now claims to be destructive: drift is what withholds it, not the destructive rule.
        var catalog = ToolCatalog.Build(config, [Tool("read"), Tool("flipped", readOnly: false, destructive: true), Tool("fresh")],
            new ToolSchemaBuilder(new SchemaCache()), pins);

        Assert.Equal(["read"], catalog.Ordered.Select(t => t.Name));
        Assert.True(catalog.Ordered[0].ReadOnly);
        var flipped = catalog.Refusals.Single(r => r.Tool == "flipped");
        Assert.Equal(CatalogRefusalKind.ToolChanged, flipped.Kind);
        Assert.Contains("changed: annotations", flipped.Message, StringComparison.Ordinal);
        Assert.Equal("tool_changed", flipped.Reason);
        Assert.Equal("unpinned", catalog.Refusals.Single(r => r.Tool == "fresh").Reason);
        Assert.All(catalog.Refusals, r => Assert.False(r.IsConfigError));
    }

    [Fact]
    public void LockFile_ResourcesTemplatesAndPrompts_RoundTrip()
    {
        var dir = Directory.CreateTempSubdirectory("portcullis-pins-");
        try
        {
            var file = new LockFile();
            file.Set("docs", PinKind.Resource, "test://a", ToolPin.Of(PinnedDefinition.From(new Resource { Uri = "test://a", Name = "a", Annotations = new Annotations { LastModified = DateTimeOffset.UnixEpoch } })));
            file.Set("docs", PinKind.ResourceTemplate, "test://t/{id}", ToolPin.Of(PinnedDefinition.From(new ResourceTemplate { UriTemplate = "test://t/{id}", Name = "t" })));
            file.Set("docs", PinKind.Prompt, "p", ToolPin.Of(PinnedDefinition.From(new Prompt { Name = "p", Description = "A prompt." })));
            var path = Path.Combine(dir.FullName, LockFile.FileName);
            LockFileWriter.Write(path, file);

            var read = LockFileReader.Read(path);

            Assert.Empty(read.Errors);
            Assert.Equal(3, read.File!.Count);
            Assert.Null(read.File.Find("docs", PinKind.Resource, "test://a")!.Definition["annotations"]);
            var root = JsonNode.Parse(File.ReadAllText(path))!["connectors"]!["docs"]!.AsObject();
            Assert.Equal(["tools", "resources", "resource_templates", "prompts"], root.Select(p => p.Key));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
