using System.CommandLine;
using Portcullis.Core.Configuration;
using Portcullis.Core.Lint;
using Portcullis.Core.Pins;

namespace Portcullis.Cli;

/// <summary>
/// <c>portcullis pin</c>: connects to the upstreams the way <c>serve</c> does and records the reviewed definition of every
/// allow-listed tool, resource and prompt in the lock file. The first run pins everything; later runs change a pin, or
/// pin something new, only for the names <c>--accept</c> gives, and report (exit 1) whatever still awaits review.
/// </summary>
internal static class PinCommand
{
    public const int NeedsReviewExitCode = 1;

    public static Command Create()
    {
        var config = CommonOptions.Config();
        var dataDir = CommonOptions.DataDir();
        var connectorOption = new Option<string?>("--connector") { Description = "Pin only this connector's definitions; the others' pins stay as they are." };
        var accept = new Option<string[]>("--accept")
        {
            Description = "A tool or prompt name (or resource URI or template) you reviewed: pin its live definition, new or changed; NAME@sha256:HEX (as the report prints it) only while the definition is still the one reviewed. Repeat for several.",
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("pin", "Record the reviewed definitions of the allowed tools, resources and prompts in portcullis.lock.json. See docs/pins.md.")
        {
            config, dataDir, connectorOption, accept,
        };
        command.SetAction((parse, cancellationToken) => Interruptible.RunAsync("the lock file was not changed", async cancellationToken =>
        {
            var file = parse.GetValue(config)!;
            var loaded = ConfigErrors.TryLoad(file, new ConfigOverrides(null, parse.GetValue(dataDir)) { Serving = false }, Console.Error);
            if (loaded is null)
            {
                return ConfigErrors.ExitCode;
            }

            // Before any upstream is started: a digest mangled in a copy is the operator's to fix, whatever the upstreams say.
            var malformed = (parse.GetValue(accept) ?? []).Select(PinAcceptance.Problem).OfType<string>().ToList();
            if (malformed.Count > 0)
            {
                malformed.ForEach(Console.Error.WriteLine);
                Console.Error.WriteLine("Nothing was written.");
                return ConfigErrors.ExitCode;
            }

            var only = parse.GetValue(connectorOption);
            if (only is not null && !loaded.Connectors.Exists(c => c.Server == only))
            {
                Console.Error.WriteLine($"No connector is named '{only}'; the config has: {string.Join(", ", loaded.Connectors.Select(c => c.Server))}.");
                return ConfigErrors.ExitCode;
            }

            var path = LockFile.PathFor(loaded);
            using var turn = await LockFileTurn.TakeAsync(path, TimeSpan.FromMinutes(2), TimeProvider.System, cancellationToken);
            if (turn is null)
            {
                Console.Error.WriteLine($"Another portcullis pin is working on {path} (or its turn file in {Path.GetTempPath()} is another user's); nothing was written. Run this one again when it is done.");
                return ConfigErrors.ExitCode;
            }

            var existing = LockFileReader.Read(path);
            if (existing.Errors.Count > 0)
            {
                Console.Error.WriteLine($"{path} cannot be read ({existing.Errors.Count} error(s)):");
                foreach (var error in existing.Errors)
                {
                    Console.Error.WriteLine("  " + error);
                }

                Console.Error.WriteLine("Restore it from version control; or, to review every definition afresh, move it aside and run pin again.");
                return ConfigErrors.ExitCode;
            }

            try
            {
                Directory.CreateDirectory(loaded.DataDir!);
            }
            catch (Exception ex) when (DataDirProblems.Is(ex))
            {
                return DataDirProblems.Report(loaded.DataDir!, ex);
            }

            var catalogs = await LiveCatalogReader.ReadAsync(loaded, cancellationToken);
            var live = new Dictionary<string, IReadOnlyList<LiveDefinition>>(StringComparer.Ordinal);
            var unreachable = new List<string>();
            foreach (var connector in loaded.Connectors.Where(c => only is null || c.Server == only))
            {
                var catalog = catalogs[connector.Server];
                if (!catalog.Listed || catalog.Passthrough is null)
                {
                    unreachable.Add($"{connector.Server}: {catalog.Failure ?? catalog.PassthroughFailure}");
                    continue;
                }

                var allowed = connector.ToolsAllow.ToHashSet(StringComparer.Ordinal);
                live[connector.Server] =
                [
                    .. catalog.Tools!.Where(t => allowed.Contains(t.Name)).Select(LiveDefinition.Of),
                    .. catalog.Passthrough,
                ];
            }

            // A signal that came while the upstreams were listed: the lock file is left as it was.
            cancellationToken.ThrowIfCancellationRequested();
            var acceptances = (parse.GetValue(accept) ?? []).Select(PinAcceptance.Parse).ToList();
            var accepted = acceptances.Select(a => a.Name).ToHashSet(StringComparer.Ordinal);
            var unknown = accepted.Where(a => !live.Values.Any(d => d.Any(x => x.Name == a))).ToList();
            if (unknown.Count > 0 && unreachable.Count == 0)
            {
                Console.Error.WriteLine($"--accept names what no allowed upstream definition is called: {string.Join(", ", unknown)}. Nothing was written.");
                return ConfigErrors.ExitCode;
            }

            // A name bound to the digest that was reviewed is pinned only while the upstream still serves that definition:
            // one it changed since the report (or between a review in a scratch copy and this run) is reviewed again.
            var changedSince = acceptances
                .Where(a => a.Sha256 is not null && live.Values.Any(d => d.Any(x => x.Name == a.Name))
                    && !live.Values.Any(d => d.Any(x => x.Name == a.Name && PinDigest.Compute(x.Definition) == a.Sha256)))
                .ToList();
            if (changedSince.Count > 0)
            {
                foreach (var stale in changedSince)
                {
                    Console.Error.WriteLine($"--accept {PosixShell.Quote(stale.Name)}: the upstream's definition is no longer the one reviewed (sha256:{stale.Sha256}); review it again.");
                }

                Console.Error.WriteLine("Nothing was written.");
                return ConfigErrors.ExitCode;
            }

            // A name awaiting review in several connectors (crm's and notes' search) is accepted one connector at a time:
            // the operator reviewed one of them, and --accept alone does not say which.
            var ambiguous = only is not null ? [] : accepted
                .Select(a => (Name: a, Connectors: live.Where(c => c.Value.Any(d => d.Name == a && !Pinned(existing.File, c.Key, d))).Select(c => c.Key).ToList()))
                .Where(a => a.Connectors.Count > 1)
                .ToList();
            if (ambiguous.Count > 0)
            {
                foreach (var (name, connectors) in ambiguous)
                {
                    Console.Error.WriteLine($"--accept {PosixShell.Quote(name)} names a definition awaiting review in {connectors.Count} connectors ({string.Join(", ", connectors)}): "
                        + $"accept it one connector at a time, adding --connector NAME for the one you reviewed.");
                }

                Console.Error.WriteLine("Nothing was written.");
                return ConfigErrors.ExitCode;
            }

            var (lockFile, entries) = Pinner.Run(existing.File, live, definition => acceptances.Any(a =>
                a.Name == definition.Name && (a.Sha256 is null || a.Sha256 == PinDigest.Compute(definition.Definition))));
            var changed = existing.File is null || entries.Any(e => e.Outcome is PinOutcome.Pinned or PinOutcome.Accepted);
            if (changed && live.Count > 0)
            {
                try
                {
                    LockFileWriter.Write(path, lockFile);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // A read-only mount, a full disk, a folder that is a file: said as such, not as a stack trace and exit 1 ("awaits review").
                    Console.Error.WriteLine($"{path} cannot be written ({(ex is UnauthorizedAccessException ? "permission denied" : ex.Message)}); "
                        + "it is as it was, and nothing was pinned. Run pin where the lock file can be written, or move pins.file to such a folder.");
                    return ConfigErrors.ExitCode;
                }
            }

            PinText.Write(Console.Out, path, Scope(file, parse.GetValue(dataDir), only), entries, changed && live.Count > 0, unreachable);
            return entries.Any(e => e.Withheld) || unreachable.Count > 0 ? NeedsReviewExitCode : 0;
        }, cancellationToken));
        return command;
    }

    /// <summary>Whether <paramref name="definition"/> is pinned as it is now (accepting it would change nothing).</summary>
    private static bool Pinned(LockFile? file, string connector, LiveDefinition definition) =>
        file?.Find(connector, definition.Kind, definition.Name)?.Check(definition.Definition).State == PinState.Matches;

    /// <summary>The options of this run that choose the config, data dir and connector, as the operator gave them.</summary>
    private static string[] Scope(FileInfo config, string? dataDir, string? connector) =>
    [
        "--config", config.ToString(),
        .. dataDir is null ? Array.Empty<string>() : ["--data-dir", dataDir],
        .. connector is null ? Array.Empty<string>() : ["--connector", connector],
    ];
}
