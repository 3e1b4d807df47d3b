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

        // A third of the longer name, at least one edit and at most three: 'tool_allow' finds 'tools_allow',
        // 'scope' finds 'scopes', and 'mode' does not turn into 'url'.
        var allowed = Math.Clamp(Math.Max(typed.Length, best?.Length ?? 0) / 3, 1, 3);
        return best is not null && bestDistance <= allowed ? best : null;
    }
}
