using Portcullis.Core.Configuration;

namespace Portcullis.Core.Pins;

/// <summary>
/// <c>portcullis.lock.json</c>: the reviewed definition of every pinned tool, by connector. Version 1:
/// <c>{"version":1,"connectors":{"&lt;server&gt;":{"tools":{"&lt;name&gt;":{"sha256":"…","definition":{…}}}}}}</c>.
/// </summary>
internal sealed class LockFile
{
    public const string FileName = "portcullis.lock.json";

    public const int CurrentVersion = 1;

    public Dictionary<string, Dictionary<string, ToolPin>> Connectors { get; } = new(StringComparer.Ordinal);

    /// <summary>Where the lock file of a configuration lives: beside the config file.</summary>
    public static string PathFor(GatewayConfig config) => Path.Combine(config.BaseDirectory, FileName);

    public ToolPin? Find(string connector, string tool) =>
        Connectors.TryGetValue(connector, out var tools) && tools.TryGetValue(tool, out var pin) ? pin : null;

    public void Set(string connector, string tool, ToolPin pin)
    {
        if (!Connectors.TryGetValue(connector, out var tools))
        {
            tools = new Dictionary<string, ToolPin>(StringComparer.Ordinal);
            Connectors[connector] = tools;
        }

        tools[tool] = pin;
    }
}
