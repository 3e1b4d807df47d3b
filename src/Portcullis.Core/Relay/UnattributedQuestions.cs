using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Relay;

/// <summary>
/// Reports the upstream's questions (sampling, elicitation, roots) refused because no one caller's call could be told
/// as theirs: at most one log line a minute per connector and feature (event 1401), with how many since the last
/// report. Before, each refusal was a warning of its own, and an upstream reading the refusals could write as many
/// lines to the log as it sent questions.
/// </summary>
internal sealed class UnattributedQuestions(string connector, TimeProvider time, ILogger logger)
{
    public static readonly TimeSpan LogEvery = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, PacedReport<string>> _reports = new(StringComparer.Ordinal);

    /// <summary>Counts one refused question of <paramref name="feature"/> (the gateway's own name for it, never the upstream's text).</summary>
    public void Refused(string feature) =>
        _reports.GetOrAdd(feature, f => new PacedReport<string>(LogEvery, time, (refused, _) => Log.RelayUnattributed(logger, connector, f, refused))).Add(feature);
}
