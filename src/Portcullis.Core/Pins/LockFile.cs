using Portcullis.Core.Configuration;

namespace Portcullis.Core.Pins;

/// <summary>
/// <c>portcullis.lock.json</c>: the reviewed definition of every pinned tool (and resource, resource template and prompt),
/// by connector. Version 1: <c>{"version":1,"connectors":{"&lt;server&gt;":{"tools":{"&lt;name&gt;":{"sha256":"…","definition":{…}}},
/// "resources":{…},"resource_templates":{…},"prompts":{…}}}}</c>; every section but <c>tools</c> may be absent.
/// </summary>
internal sealed class LockFile
{
    public const string FileName = "portcullis.lock.json";

    public const int CurrentVersion = 1;

    /// <summary>The pins of each connector, by kind, then by name (or URI).</summary>
    public Dictionary<string, Dictionary<PinKind, Dictionary<string, ToolPin>>> Connectors { get; } = new(StringComparer.Ordinal);

    /// <summary>How many pins the file holds, of every kind.</summary>
    public int Count => Connectors.Values.Sum(c => c.Values.Sum(s => s.Count));

    /// <summary>Where the lock file of a configuration lives: <c>pins.file</c>, else beside the config file.</summary>
    public static string PathFor(GatewayConfig config) =>
        config.Pins.File is { } file ? Path.GetFullPath(file, config.BaseDirectory) : Path.Combine(config.BaseDirectory, FileName);

    /// <summary>Why a config whose <c>pins.file</c> names a file that does not exist is refused (serve and lint say the same).</summary>
    public static string MissingMessage(string path) =>
        $"pins.file names {path}, which does not exist. Review the tools and pin them: portcullis pin --config <config>.";

    public ToolPin? Find(string connector, string tool) => Find(connector, PinKind.Tool, tool);

    public ToolPin? Find(string connector, PinKind kind, string name) =>
        Section(connector, kind) is { } section && section.TryGetValue(name, out var pin) ? pin : null;

    /// <summary>The pins of one kind of a connector, or null when it has none.</summary>
    public IReadOnlyDictionary<string, ToolPin>? Section(string connector, PinKind kind) =>
        Connectors.TryGetValue(connector, out var kinds) && kinds.TryGetValue(kind, out var section) ? section : null;

    public void Set(string connector, string tool, ToolPin pin) => Set(connector, PinKind.Tool, tool, pin);

    public void Set(string connector, PinKind kind, string name, ToolPin pin)
    {
        if (!Connectors.TryGetValue(connector, out var kinds))
        {
            kinds = [];
            Connectors[connector] = kinds;
        }

        if (!kinds.TryGetValue(kind, out var section))
        {
            section = new Dictionary<string, ToolPin>(StringComparer.Ordinal);
            kinds[kind] = section;
        }

        section[name] = pin;
    }

    /// <summary>
    /// Whether a connector's pins of one kind are the same in both files: the same names, each with the same digest and the
    /// same definition (a hand-edited pin is drift, so editing only its definition changes what is withheld).
    /// </summary>
    public static bool SameSection(LockFile? before, LockFile? after, string connector, PinKind kind)
    {
        if (before is null || after is null)
        {
            return before is null && after is null;
        }

        var a = before.Section(connector, kind) ?? new Dictionary<string, ToolPin>();
        var b = after.Section(connector, kind) ?? new Dictionary<string, ToolPin>();
        return a.Count == b.Count && a.All(pin =>
            b.TryGetValue(pin.Key, out var other)
            && string.Equals(pin.Value.Sha256, other.Sha256, StringComparison.Ordinal)
            && System.Text.Json.Nodes.JsonNode.DeepEquals(pin.Value.Definition, other.Definition));
    }

    /// <summary>Removes a pin; true when there was one.</summary>
    public bool Remove(string connector, PinKind kind, string name) =>
        Connectors.TryGetValue(connector, out var kinds) && kinds.TryGetValue(kind, out var section) && section.Remove(name);
}
