using Portcullis.Core.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Portcullis.Core.Pins;

/// <summary>Writes a lock file in one step (a temporary file renamed over the old one), sorted for stable diffs.</summary>
internal static class LockFileWriter
{
    /// <summary>Indented, and only what JSON requires escaped, so a reviewer reads descriptions as written.</summary>
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, Encoder = VisibleJsonEncoder.Instance };

    public static void Write(string path, LockFile file)
    {
        var connectors = new JsonObject();
        foreach (var (server, kinds) in file.Connectors.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            var sections = new JsonObject();
            foreach (var kind in PinKinds.All.Where(k => k == PinKind.Tool || kinds.GetValueOrDefault(k)?.Count > 0))
            {
                var pinned = new JsonObject();
                foreach (var (name, pin) in (kinds.GetValueOrDefault(kind) ?? []).OrderBy(t => t.Key, StringComparer.Ordinal))
                {
                    pinned[name] = new JsonObject { ["sha256"] = pin.Sha256, ["definition"] = pin.Definition.DeepClone() };
                }

                sections[kind.Section()] = pinned;
            }

            connectors[server] = sections;
        }

        var root = new JsonObject { ["version"] = LockFile.CurrentVersion, ["connectors"] = connectors };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        // A name of its own: another writer's temporary file is never this one's.
        var temporary = $"{path}.{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8))}.tmp";
        try
        {
            File.WriteAllText(temporary, root.ToJsonString(Options) + "\n");
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            // A disk that filled up, a folder that may not be written: the lock file is as it was, and no half-written copy stays beside it.
            File.Delete(temporary);
            throw;
        }
    }
}
