using Portcullis.Core.Configuration;
using Portcullis.Core.Errors;

namespace Portcullis.Core.Audit;

/// <summary>
/// The audit filters whose values form a closed set (<c>kind</c>, <c>decision</c>, <c>code</c>), checked alike for
/// <c>portcullis audit</c> and the admin API: a value no event can have is a typo, refused rather than matching nothing.
/// </summary>
public static class AuditFilters
{
    /// <summary>The first closed-set filter of <paramref name="query"/> that no event can match, with what it takes; null when none.</summary>
    public static AuditFilterProblem? Check(AuditQuery query) =>
        Outside("kind", query.Kind, AuditKinds.All, "an audit kind")
        ?? Outside("decision", query.Decision, AuditDecisions.All, "an audit decision")
        ?? Outside("code", query.Code, ErrorCatalog.All.Select(c => c.Code).ToList(), "an error code of the catalog");

    private static AuditFilterProblem? Outside(string filter, string? value, IReadOnlyList<string> allowed, string what)
    {
        if (value is null || allowed.Contains(value, StringComparer.Ordinal))
        {
            return null;
        }

        var meant = DidYouMean.Suggest(value, allowed) is { } suggestion ? $" (did you mean {suggestion}?)" : "";
        return new AuditFilterProblem(filter, value, $"not {what}{meant}; one of {string.Join(", ", allowed)}");
    }
}
