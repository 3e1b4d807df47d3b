using Quickenshtein;

namespace Portcullis.Core.Configuration;

/// <summary>The known name closest to a misspelt one, when it is close enough to be what was meant.</summary>
internal static class DidYouMean
{
    public static string? Suggest(string typed, IEnumerable<string> known)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in known)
        {
            var distance = Levenshtein.GetDistance(typed.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (distance < bestDistance || (distance == bestDistance && string.CompareOrdinal(candidate, best) < 0))
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        // About a third of the longer name, at least one edit and at most three: 'tool_allow' finds 'tools_allow',
        // 'ecoh' finds 'echo' (a swap is two edits), and 'color' does not turn into 'mode'.
        var allowed = Math.Clamp((Math.Max(typed.Length, best?.Length ?? 0) + 2) / 3, 1, 3);
        return best is not null && bestDistance <= allowed ? best : null;
    }
}
