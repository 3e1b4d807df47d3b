using System.Text.Json;
using System.Text.Json.Nodes;

namespace Portcullis.Core.Configuration;

/// <summary>Reads, checks and completes a configuration; a bad one fails with every error at once.</summary>
public static class ConfigLoader
{
    /// <summary>Loads the file at <paramref name="path"/>, applies the overrides and validates the result.</summary>
    public static GatewayConfig Load(string path, ConfigOverrides? overrides = null) => OrThrow(ReadFile(path, overrides), path);

    /// <summary>Parses config text whose relative paths resolve against <paramref name="baseDirectory"/>.</summary>
    public static GatewayConfig Parse(string json, string baseDirectory, string source, ConfigOverrides? overrides = null) =>
        OrThrow(ReadText(json, baseDirectory, overrides), source);

    /// <summary>Reads the file at <paramref name="path"/> and reports every error in it, without throwing.</summary>
    public static ConfigReadResult ReadFile(string path, ConfigOverrides? overrides = null)
    {
        var fullPath = Path.GetFullPath(path);
        return ConfigFileText.Read(path, fullPath, out var problem) is { } text
            ? ReadText(text, Path.GetDirectoryName(fullPath)!, overrides)
            : new ConfigReadResult(null, [new ConfigError("$", problem!)]);
    }

    /// <summary>
    /// Checks config text against the schema and the semantic rules in one pass, and reads what can be read:
    /// the one validation that <c>serve</c> and <c>lint</c> both rely on.
    /// </summary>
    public static ConfigReadResult ReadText(string json, string baseDirectory, ConfigOverrides? overrides = null)
    {
        JsonNode? root;
        List<ConfigError> errors;
        try
        {
            using var document = JsonDocument.Parse(json, ConfigJson.DocumentOptions);
            errors = ConfigText.Find(document.RootElement, out var unreadable);
            if (unreadable)
            {
                // No value can be read from text that is not text: the schema, the types and the rules would all stumble on it.
                return new ConfigReadResult(null, errors);
            }

            errors.AddRange(ConfigSchema.Check(document.RootElement));
            root = ConfigNodes.From(document.RootElement.Clone());
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" at line {line + 1}, position {ex.BytePositionInLine + 1}" : "";
            return new ConfigReadResult(null, [new ConfigError("$", "not valid JSON" + where)]);
        }

        if (root is null)
        {
            return new ConfigReadResult(null, [new ConfigError("$", "the configuration is empty")]);
        }

        var (config, removed) = ConfigRepair.Read(root, errors);
        foreach (var path in removed.Where(p => !errors.Any(e => ConfigPaths.IsAtOrUnder(e.Path, p) || ConfigPaths.IsAtOrUnder(p, e.Path))))
        {
            errors.Add(new ConfigError(path, "could not be read as the type this key takes"));
        }

        if (config is null)
        {
            return new ConfigReadResult(null, errors.Count > 0 ? errors : [new ConfigError("$", "the configuration is empty")]);
        }

        config.BaseDirectory = baseDirectory;
        config.SourceSha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(json)));
        Apply(config, overrides ?? new ConfigOverrides());

        // Shape and meaning together, so one run shows every mistake. A key left out for its type would make
        // checks that depend on it speak of a default the file never said: those stay quiet.
        errors.AddRange(ConfigValidator.Validate(config, overrides?.Serving ?? true)
            .Where(e => !errors.Contains(e) && !removed.Any(p => ConfigPaths.IsAtOrUnder(e.Path, p))));
        return new ConfigReadResult(config, errors);
    }

    private static GatewayConfig OrThrow(ConfigReadResult result, string source)
    {
        if (!result.IsValid)
        {
            throw new ConfigException(source, result.Errors);
        }

        result.Config!.Source = source;
        return result.Config;
    }

    private static void Apply(GatewayConfig config, ConfigOverrides overrides)
    {
        if (overrides.Listen is not null)
        {
            config.Listen = overrides.Listen;
        }

        if (overrides.AdminListen is not null)
        {
            config.Admin.Listen = overrides.AdminListen;
        }

        if (overrides.LogFormat is not null)
        {
            config.Logging.Format = overrides.LogFormat;
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
            : config.DataDir is not null ? config.Resolve(config.DataDir) : Path.Combine(config.BaseDirectory, ConfigDefaults.DataDir);
        config.DataDir = dataDir;
        if (config.Audit.Path is not null)
        {
            config.Audit.Path = config.Resolve(config.Audit.Path.Replace("{data_dir}", dataDir, StringComparison.Ordinal));
        }

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
