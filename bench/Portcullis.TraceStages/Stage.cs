namespace Portcullis.TraceStages;

/// <summary>A stage of the gateway as the profile sees it: the frames that belong to it.</summary>
internal sealed record Stage(string Name, string[] Patterns, bool Fallback)
{
    public bool Matches(string frame) => Patterns.Any(p => frame.Contains(p, StringComparison.Ordinal));

    /// <summary>Reads <c>name = pattern|pattern</c> lines; <c>#</c> starts a comment.</summary>
    public static List<Stage> Read(string path) =>
    [
        .. File.ReadAllLines(path)
            .Where(line => !line.TrimStart().StartsWith('#') && line.Contains('=', StringComparison.Ordinal))
            .Select(line =>
            {
                var split = line.IndexOf('=', StringComparison.Ordinal);
                var name = line[..split].Trim();
                var patterns = line[(split + 1)..].Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                return new Stage(name.TrimStart('*'), patterns, name.StartsWith('*'));
            }),
    ];
}
