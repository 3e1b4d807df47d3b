using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Portcullis.Core.Schemas;

/// <summary>
/// Compiled schemas by (connector, tool, role, SHA-256 of the schema text): a tool list refresh recompiles
/// only schemas that changed. A failure is cached too, so a broken schema is reported once per version.
/// </summary>
internal sealed class SchemaCache(TimeSpan patternTimeout)
{
    private readonly ConcurrentDictionary<(string Connector, string Tool, string Role, string Hash), CompileOutcome> _compiled = new();

    /// <summary>A cache whose patterns may each take the default pattern budget.</summary>
    public SchemaCache()
        : this(TimeSpan.FromMilliseconds(Configuration.ConfigDefaults.PatternBudgetMs))
    {
    }

    public int Count => _compiled.Count;

    public CompileOutcome GetOrCompile(string connector, string tool, string role, JsonElement schema)
    {
        var text = schema.GetRawText();
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
        return _compiled.GetOrAdd((connector, tool, role, hash), static (_, state) =>
        {
            var compiled = SchemaCompiler.TryCompile(state.Schema, state.Timeout, out var failure);
            return new CompileOutcome(compiled, failure);
        }, (Schema: schema, Timeout: patternTimeout));
    }
}
