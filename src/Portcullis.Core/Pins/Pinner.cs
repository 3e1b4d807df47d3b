namespace Portcullis.Core.Pins;

/// <summary>
/// Decides what <c>portcullis pin</c> writes. Without a lock file every live definition is pinned (the first review is
/// of the file it writes). With one, no pin changes and nothing new is pinned unless <c>--accept</c> names it: running
/// <c>pin</c> is never a way to wave a drifted or unreviewed definition through by accident.
/// </summary>
internal static class Pinner
{
    /// <param name="existing">The lock file as it is, or null when there is none.</param>
    /// <param name="live">Each connector's live definitions that policy covers, by connector.</param>
    /// <param name="accepts">Whether a live definition was reviewed and accepted (by its name, and the digest reviewed if one was given).</param>
    public static (LockFile File, IReadOnlyList<PinEntry> Entries) Run(LockFile? existing, IReadOnlyDictionary<string, IReadOnlyList<LiveDefinition>> live, Func<LiveDefinition, bool> accepts)
    {
        var file = existing ?? new LockFile();
        var entries = new List<PinEntry>();
        foreach (var (connector, definitions) in live.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            foreach (var named in definitions.GroupBy(d => (d.Kind, d.Name)))
            {
                var definition = named.First();
                entries.Add(named.Skip(1).Any() ? ListedTwice(file, connector, definition)
                    : definition.NotIJson is not null ? NotIJson(file, connector, definition)
                    : Decide(file, existing is null, connector, definition, accepts(definition)));
            }
        }

        return (file, entries);
    }

    /// <summary>
    /// A name the upstream lists more than once: serve withholds it (which definition the upstream honours is unknown),
    /// so neither definition is pinned, not even with <c>--accept</c>, and its pin, if any, stays as it is.
    /// </summary>
    private static PinEntry ListedTwice(LockFile file, string connector, LiveDefinition live) =>
        new(connector, live.Kind, live.Name, PinOutcome.ListedTwice, [], file.Find(connector, live.Kind, live.Name)?.Sha256 ?? "");

    /// <summary>
    /// A definition that is not I-JSON has no digest: serve withholds it (it cannot write it out, or parsers disagree on
    /// it), so it is pinned under nothing, not even with <c>--accept</c>, and its pin, if any, stays as it is.
    /// </summary>
    private static PinEntry NotIJson(LockFile file, string connector, LiveDefinition live) =>
        new(connector, live.Kind, live.Name, PinOutcome.NotIJson, [live.NotIJson!], file.Find(connector, live.Kind, live.Name)?.Sha256 ?? "");

    private static PinEntry Decide(LockFile file, bool firstRun, string connector, LiveDefinition live, bool accepted)
    {
        var fresh = ToolPin.Of(live.Definition);
        var pin = file.Find(connector, live.Kind, live.Name);
        var check = pin?.Check(live.Definition);
        var outcome = (check?.State, firstRun || accepted) switch
        {
            (PinState.Matches, _) => PinOutcome.Unchanged,
            (null, true) => PinOutcome.Pinned,
            (_, true) => PinOutcome.Accepted,
            (null, false) => PinOutcome.Unpinned,
            (PinState.Drifted, false) => PinOutcome.Drifted,
            _ => PinOutcome.Tampered,
        };
        if (outcome is PinOutcome.Pinned or PinOutcome.Accepted)
        {
            file.Set(connector, live.Kind, live.Name, fresh);
        }

        return new PinEntry(connector, live.Kind, live.Name, outcome, check?.Changed ?? [], fresh.Sha256);
    }
}
