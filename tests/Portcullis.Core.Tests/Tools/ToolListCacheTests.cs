using System.Text.Json;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Configuration;
using Portcullis.Core.Security;
using Portcullis.Core.Tools;

namespace Portcullis.Core.Tests.Tools;

/// <summary>The per-scope-set memory of <c>tools/list</c> answers must never show a caller another caller's tools.</summary>
public sealed class ToolListCacheTests
{
    private static readonly JsonElement Schema = JsonDocument.Parse("""{"type":"object"}""").RootElement.Clone();

    private readonly ToolCatalog _catalog = ToolCatalog.Build(
        new ConnectorConfig
        {
            Server = "crm",
            ToolsAllow = ["find_contact", "add_note", "export"],
            Tools = new Dictionary<string, ToolConfig>
            {
                ["find_contact"] = new() { Scopes = ["contacts:read"], ReadOnly = true },
                ["add_note"] = new() { Scopes = ["notes:write"], ReadOnly = true },
                ["export"] = new() { Scopes = ["contacts:read", "notes:write"], ReadOnly = true },
            },
        },
        [Upstream("find_contact"), Upstream("add_note"), Upstream("export")],
        new ToolSchemaBuilder(new Portcullis.Core.Schemas.SchemaCache()));

    [Fact]
    public void For_CallersWithDifferentScopesInTurn_EachSeesOnlyTheirOwnTools()
    {
        for (var round = 0; round < 2; round++)
        {
            Assert.Equal(["find_contact"], Names(_catalog.Lists.For(Caller("contacts:read"))));
            Assert.Equal(["add_note"], Names(_catalog.Lists.For(Caller("notes:write"))));
            Assert.Equal(["find_contact", "add_note", "export"], Names(_catalog.Lists.For(Caller("contacts:read", "notes:write"))));
            Assert.Empty(_catalog.Lists.For(Caller()));
        }
    }

    [Fact]
    public void For_ScopesNoToolRequires_DoNotChangeTheAnswer()
    {
        var plain = _catalog.Lists.For(Caller("contacts:read"));

        var withOthers = _catalog.Lists.For(Caller("contacts:read", "calendar:write", "profile"));

        Assert.Equal(Names(plain), Names(withOthers));
    }

    [Fact]
    public void For_ManyDistinctScopeSets_StillAnswersEachCorrectly()
    {
        for (var i = 0; i < 600; i++)
        {
            var caller = i % 2 == 0 ? Caller("contacts:read", $"extra:{i}") : Caller("notes:write", $"extra:{i}");

            Assert.Equal(i % 2 == 0 ? ["find_contact"] : ["add_note"], Names(_catalog.Lists.For(caller)));
        }
    }

    private static Tool Upstream(string name) => new() { Name = name, InputSchema = Schema, Annotations = new ToolAnnotations { ReadOnlyHint = true } };

    private static CallerIdentity Caller(params string[] scopes) => new("alice", null, new HashSet<string>(scopes, StringComparer.Ordinal));

    private static string[] Names(IEnumerable<Tool> tools) => [.. tools.Select(t => t.Name)];
}
