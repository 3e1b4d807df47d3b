using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Portcullis.Core.Configuration;

namespace Portcullis.Core.Pins;

/// <summary>Reads a lock file strictly: any problem makes it unreadable, reported with its JSON path.</summary>
internal static partial class LockFileReader
{
    /// <summary>
    /// How long reading the file may take. A stalled network file system may never answer, and the reload holding the
    /// pins' lock would wait with it: every later edit, a revoked pin too, would be ignored until a restart.
    /// </summary>
    internal static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(5);

    /// <summary>At most this many reads may be left waiting on such a file; past it, a read is refused at once.</summary>
    private const int MaxWaiting = 4;

    private static int s_waiting;

    public static LockFileRead Read(string path)
    {
        if (!System.IO.File.Exists(path))
        {
            // A folder where the lock file belongs (a volume mounted at the file's path) is a mistake to name, not the
            // absence of pins: read as absent, it would leave pins off without a word.
            return Directory.Exists(path)
                ? new LockFileRead(path, null, [new ConfigError("$", "is a folder, not a lock file: mount or write the lock file itself at this path")])
                : new LockFileRead(path, null, []);
        }

        JsonNode? root;
        try
        {
            // Read as the config is: a key written twice or text that is not text (half of a surrogate pair) is reported at
            // its path, where a tree parsed directly would throw on first being looked into.
            // Read as the config file is too: a regular file of at most 16 MiB, anything else refused naming the path.
            var (bytes, refused) = ReadWithinTimeout(path);
            if (bytes is null)
            {
                return new LockFileRead(path, null, [new ConfigError("$", refused!)]);
            }

            if (ConfigFileText.Decode(bytes, out var notText) is not { } text)
            {
                return new LockFileRead(path, null, [new ConfigError("$", notText!)]);
            }

            using var document = JsonDocument.Parse(text);
            if (ConfigText.Find(document.RootElement, out _) is { Count: > 0 } textErrors)
            {
                return new LockFileRead(path, null, textErrors);
            }

            root = ConfigNodes.From(document.RootElement.Clone());
        }
        catch (TimeoutException)
        {
            return new LockFileRead(path, null, [new ConfigError("$", $"cannot be read: no end of file within {ReadTimeout.TotalSeconds:0} s")]);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" at line {line + 1}" : "";
            return new LockFileRead(path, null, [new ConfigError("$", "not valid JSON" + where)]);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new LockFileRead(path, null, [new ConfigError("$", "cannot be read: " + (ex is UnauthorizedAccessException ? "permission denied" : ex.GetType().Name))]);
        }

        var errors = new List<ConfigError>();
        var file = Parse(root, errors);
        return errors.Count > 0 ? new LockFileRead(path, null, errors) : new LockFileRead(path, file, []);
    }

    /// <summary>
    /// The file's bytes, or why it is refused, read on a thread of its own that is left behind if it does not finish
    /// within <see cref="ReadTimeout"/> (a stalled network file system: a FIFO or a device is refused without being opened).
    /// </summary>
    private static (byte[]? Bytes, string? Refused) ReadWithinTimeout(string path)
    {
        if (Volatile.Read(ref s_waiting) >= MaxWaiting)
        {
            throw new TimeoutException();
        }

        var read = Task.Factory.StartNew(
            () =>
            {
                Interlocked.Increment(ref s_waiting);
                try
                {
                    var bytes = ConfigFileText.ReadBytes(path, path, TextFileRole.LockFile, out var refused);
                    return (bytes, refused);
                }
                finally
                {
                    Interlocked.Decrement(ref s_waiting);
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        return read.Wait(ReadTimeout) ? read.GetAwaiter().GetResult() : throw new TimeoutException();
    }

    private static LockFile Parse(JsonNode? root, List<ConfigError> errors)
    {
        var file = new LockFile();
        if (root is not JsonObject top)
        {
            errors.Add(new ConfigError("$", "must be an object"));
            return file;
        }

        if (top["version"] is not JsonValue version || version.GetValueKind() != JsonValueKind.Number
            || !version.TryGetValue<int>(out var number) || number != LockFile.CurrentVersion)
        {
            errors.Add(new ConfigError("$.version", $"must be {LockFile.CurrentVersion.ToString(CultureInfo.InvariantCulture)}"));
        }

        if (top["connectors"] is not JsonObject connectors)
        {
            errors.Add(new ConfigError("$.connectors", "must be an object of connectors by server name"));
            return file;
        }

        foreach (var (server, entry) in connectors)
        {
            var at = ConfigPaths.Property("$.connectors", server);
            if (entry is not JsonObject connector || connector["tools"] is not JsonObject)
            {
                errors.Add(new ConfigError(at + ".tools", "must be an object of pinned tools by name"));
                continue;
            }

            foreach (var key in connector.Select(p => p.Key).Where(k => !PinKinds.All.Any(kind => kind.Section() == k)))
            {
                errors.Add(new ConfigError(ConfigPaths.Property(at, key), "unknown section (expected tools, resources, resource_templates or prompts)"));
            }

            foreach (var kind in PinKinds.All)
            {
                var sectionAt = at + "." + kind.Section();
                if (connector[kind.Section()] is null)
                {
                    continue;
                }

                if (connector[kind.Section()] is not JsonObject section)
                {
                    errors.Add(new ConfigError(sectionAt, $"must be an object of pinned {kind.Noun()}s"));
                    continue;
                }

                foreach (var (name, value) in section)
                {
                    if (ParsePin(ConfigPaths.Property(sectionAt, name), kind, name, value, errors) is { } pin)
                    {
                        file.Set(server, kind, name, pin);
                    }
                }
            }
        }

        return file;
    }

    private static ToolPin? ParsePin(string at, PinKind kind, string name, JsonNode? value, List<ConfigError> errors)
    {
        if (value is not JsonObject tool)
        {
            errors.Add(new ConfigError(at, "must be an object with sha256 and definition"));
            return null;
        }

        var sha = tool["sha256"] is JsonValue s && s.GetValueKind() == JsonValueKind.String ? s.GetValue<string>() : null;
        if (sha is null || !Sha256Hex().IsMatch(sha))
        {
            errors.Add(new ConfigError(at + ".sha256", "must be 64 lowercase hexadecimal digits"));
        }

        if (tool["definition"] is not JsonObject definition)
        {
            errors.Add(new ConfigError(at + ".definition", $"must be the {kind.Noun()}'s pinned definition (an object)"));
            return null;
        }

        var field = kind.KeyField();
        if (definition[field] is not JsonValue n || n.GetValueKind() != JsonValueKind.String || n.GetValue<string>() != name)
        {
            errors.Add(new ConfigError(at + ".definition." + field, $"must be '{name}', the {field} the {kind.Noun()} is pinned under"));
        }

        return sha is null ? null : new ToolPin(sha, (JsonObject)definition.DeepClone());
    }

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Hex();
}
