using Portcullis.Core.Diagnostics;
using Portcullis.Core.Pins;

namespace Portcullis.Cli;

/// <summary><c>portcullis pin</c>'s report: one line per definition, then what to do about those still withheld.</summary>
internal static class PinText
{
    /// <summary>
    /// Writes the report; <paramref name="scope"/> holds the options (with their values) that told this run which
    /// config, data dir and connector to use, repeated in the <c>--accept</c> command so that it acts on the same ones.
    /// </summary>
    public static void Write(TextWriter output, string lockPath, IReadOnlyList<string> scope, IReadOnlyList<PinEntry> entries, bool written, IReadOnlyList<string> unreachable)
    {
        // Names come from the upstream: shown with what a terminal would act on escaped (the command below quotes them exactly).
        var nameWidth = entries.Select(e => Shown(e.Name).Length).DefaultIfEmpty(4).Max();
        var connectorWidth = entries.Select(e => e.Connector.Length).DefaultIfEmpty(9).Max();
        foreach (var entry in entries)
        {
            var what = entry.Outcome switch
            {
                PinOutcome.Drifted => $"drifted (changed: {string.Join(", ", entry.Changed)})",
                PinOutcome.Tampered => "pin edited by hand (its digest is not its definition's)",
                PinOutcome.Unpinned => "not pinned",
                PinOutcome.ListedTwice => "not pinned: the upstream lists it more than once (serve withholds it until the upstream lists it once)",
                PinOutcome.NotIJson => $"not pinned: its definition is not I-JSON ({string.Join(", ", entry.Changed)}; serve withholds it until the upstream fixes it)",
                _ => entry.Outcome.ToString().ToLowerInvariant(),
            };
            output.WriteLine($"{entry.Connector.PadRight(connectorWidth)}  {entry.Kind.Noun(),-17}  {Shown(entry.Name).PadRight(nameWidth)}  {what}");
        }

        foreach (var connector in unreachable)
        {
            output.WriteLine($"unreachable: {Shown(connector)}; its pins were left as they are.");
        }

        var count = (PinOutcome outcome) => entries.Count(e => e.Outcome == outcome);
        output.WriteLine(written
            ? $"Wrote {lockPath}: {count(PinOutcome.Pinned)} pinned, {count(PinOutcome.Accepted)} accepted, {count(PinOutcome.Unchanged)} unchanged. Review the file (git diff) before you commit it."
            : $"{lockPath} is unchanged.");
        var waiting = entries.Where(e => e.NeedsReview).ToList();
        if (waiting.Count > 0)
        {
            output.WriteLine($"{waiting.Count} definition(s) are withheld by serve until you review them and accept them:");
            // One command per connector when several wait (and this run named none): each accepts only what was reviewed there.
            var perConnector = scope.Contains("--connector") ? [waiting] : waiting.GroupBy(e => e.Connector, StringComparer.Ordinal).Select(g => g.ToList()).ToList();
            foreach (var group in perConnector)
            {
                string[] command =
                [
                    "portcullis", "pin", .. scope,
                    .. perConnector.Count > 1 ? ["--connector", group[0].Connector] : Array.Empty<string>(),
                    .. group.SelectMany(e => new[] { "--accept", PinAcceptance.Format(e.Name, e.Sha256) }),
                ];
                output.WriteLine("  " + string.Join(" ", command.Select(PosixShell.Quote)));
            }
        }
    }

    private static string Shown(string text) => LogText.Safe(text, 1024);
}
