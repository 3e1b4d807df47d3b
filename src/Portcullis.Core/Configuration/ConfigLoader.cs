using System.Text.Json;

namespace Portcullis.Core.Configuration;

/// <summary>Reads, checks and completes a configuration; a bad one fails with every error at once.</summary>
public static class ConfigLoader
{
    /// <summary>Loads the file at <paramref name="path"/>, applies the overrides and validates the result.</summary>
    public static GatewayConfig Load(string path, ConfigOverrides? overrides = null)
    {
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new ConfigException(path, [new ConfigError("$", $"the file '{path}' does not exist")]);
        }

        return Parse(File.ReadAllText(fullPath), Path.GetDirectoryName(fullPath)!, path, overrides);
    }

    /// <summary>Parses config text whose relative paths resolve against <paramref name="baseDirectory"/>.</summary>
    public static GatewayConfig Parse(string json, string baseDirectory, string source, ConfigOverrides? overrides = null)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, ConfigJson.DocumentOptions);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" at line {line + 1}, position {ex.BytePositionInLine + 1}" : "";
            throw new ConfigException(source, [new ConfigError("$", "not valid JSON" + where)]);
        }

        using (document)
        {
            var errors = ConfigSchema.Check(document.RootElement).ToList();
            GatewayConfig? config;
            try
            {
                config = document.RootElement.Deserialize<GatewayConfig>(ConfigJson.Options);
            }
            catch (JsonException) when (errors.Count > 0)
            {
                // A value of the wrong type, which the schema errors already name.
                throw new ConfigException(source, errors);
            }

            if (config is null)
            {
                throw new ConfigException(source, [new ConfigError("$", "the configuration is empty")]);
            }

            config.BaseDirectory = baseDirectory;
            Apply(config, overrides ?? new ConfigOverrides());

            // Report shape and meaning together, so one run shows every mistake.
            errors.AddRange(ConfigValidator.Validate(config).Where(e => !errors.Contains(e)));
            if (errors.Count > 0)
            {
                throw new ConfigException(source, errors);
            }

            return config;
        }
    }

    private static void Apply(GatewayConfig config, ConfigOverrides overrides)
    {
        if (overrides.Listen is not null)
        {
            config.Listen = overrides.Listen;
        }

        if (overrides.AdvertiseUrl is not null)
        {
            config.Replica.AdvertiseUrl = overrides.AdvertiseUrl;
        }

        if (overrides.ReplicaId is not null)
        {
            config.Replica.Id = overrides.ReplicaId;
        }

        var dataDir = overrides.DataDir is not null
            ? Path.GetFullPath(overrides.DataDir)
            : config.DataDir is not null ? config.Resolve(config.DataDir) : Path.Combine(config.BaseDirectory, ".data");
        config.DataDir = dataDir;

        foreach (var connector in config.Connectors)
        {
            var upstream = connector.Upstream;
            if (upstream.Command is not null && IsPathLike(upstream.Command))
            {
                upstream.Command = config.Resolve(upstream.Command);
            }

            upstream.WorkingDir = config.Resolve(upstream.WorkingDir ?? ".");
            upstream.Args = [.. upstream.Args.Select(a => a.Replace("{data_dir}", dataDir, StringComparison.Ordinal))];
        }
    }

    private static bool IsPathLike(string command) =>
        command.Contains('/', StringComparison.Ordinal) || command.StartsWith('.');

    /// <summary>Resolves a path against the config file's folder.</summary>
    public static string Resolve(this GatewayConfig config, string path) =>
        Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(config.BaseDirectory, path));
}
