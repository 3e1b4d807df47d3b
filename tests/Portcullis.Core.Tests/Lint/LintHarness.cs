using System.Text.Json;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Configuration;
using Portcullis.Core.Lint;
using Portcullis.Core.Pins;
using Portcullis.Core.Schemas;
using Portcullis.Core.Tools;

namespace Portcullis.Core.Tests.Lint;

/// <summary>Runs the linter in process on config text, with upstream tool lists given by the test.</summary>
internal sealed class LintHarness : IDisposable
{
    public string Base { get; } = Directory.CreateTempSubdirectory("portcullis-lint-").FullName;

    public LintHarness() => File.WriteAllText(Path.Combine(Base, "crm-server"), "");

    public void Dispose() => Directory.Delete(Base, recursive: true);

    /// <summary>Lints <paramref name="json"/> offline, or against the given tools per connector.</summary>
    public LintReport Lint(string json, IReadOnlyDictionary<string, Tool[]>? upstreams = null)
    {
        var read = ConfigLoader.ReadText(json, Base);
        var pins = read.Config is { } config ? LockFileReader.Read(LockFile.PathFor(config)) : null;
        Dictionary<string, LiveCatalog>? live = null;
        if (upstreams is not null && read.Config is { } valid)
        {
            var schemas = new ToolSchemaBuilder(new SchemaCache());
            live = valid.Connectors.ToDictionary(c => c.Server, c =>
            {
                if (!upstreams.TryGetValue(c.Server, out var tools))
                {
                    return LiveCatalog.Unreachable("test: not listed");
                }

                var catalog = ToolCatalog.Build(c, tools, schemas);
                return new LiveCatalog(tools, catalog, catalog.Refusals, null);
            });
        }

        return Linter.Check(new LintInput(read, pins, live, live is null ? "--offline" : null));
    }

    public void WriteLock(LockFile file) => LockFileWriter.Write(Path.Combine(Base, LockFile.FileName), file);

    public static Tool Tool(string name, string schema, bool? readOnly = null, bool? destructive = null, string description = "A tool.") => new()
    {
        Name = name,
        Description = description,
        InputSchema = JsonDocument.Parse(schema).RootElement.Clone(),
        Annotations = readOnly is null && destructive is null ? null : new ToolAnnotations { ReadOnlyHint = readOnly, DestructiveHint = destructive },
    };

    /// <summary>A one-connector config: anonymous, or oauth with <paramref name="scopes"/>, allowing <paramref name="tools"/>.</summary>
    public static string Config(string tools, string allow, string auth = """{ "mode": "none" }""", string extra = "", string upstream = """{ "command": "./crm-server" }""") => $$"""
        {
          "environment": "prod",
          "identity": { "issuer": "https://login.example.com/", "jwks_uri": "https://login.example.com/keys" },
          "connectors": [
            { "server": "crm", "environment": "prod", "upstream": {{upstream}}, "auth": {{auth}},
              "tools_allow": {{allow}}, "tools": {{tools}} {{extra}} }
          ]
        }
        """;
}
