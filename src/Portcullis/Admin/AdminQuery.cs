using Portcullis.Core.Configuration;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Admin;

/// <summary>
/// The query parameters an admin API route takes, as endpoint metadata. Every route of a group under
/// <see cref="Enforce"/> is checked before it runs: a parameter it does not name (a route without this metadata names
/// none) or one given twice is refused with 400, so a misspelt filter never quietly lists everything.
/// </summary>
internal sealed class AdminQuery(params string[] names)
{
    public IReadOnlyList<string> Names { get; } = names;

    public static void Enforce(RouteGroupBuilder group) =>
        group.AddEndpointFilter((context, next) =>
        {
            var http = context.HttpContext;
            var names = http.GetEndpoint()?.Metadata.GetMetadata<AdminQuery>()?.Names ?? [];
            return Problem(http.Request.Query, names) is { } problem
                ? ValueTask.FromResult<object?>(AdminResults.BadRequest(problem))
                : next(context);
        });

    /// <summary>What is wrong with <paramref name="query"/> for a route taking <paramref name="names"/>; null when nothing.</summary>
    internal static string? Problem(IQueryCollection query, IReadOnlyList<string> names)
    {
        foreach (var (name, values) in query)
        {
            // Values are read by case-insensitive name (IQueryCollection), so names are compared the same way.
            if (!names.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                var shown = LogText.Safe(name, 64);
                if (names.Count == 0)
                {
                    return $"{shown}: this route takes no query parameters.";
                }

                var meant = DidYouMean.Suggest(name, names) is { } suggestion ? $" (did you mean {suggestion}?)" : "";
                return $"{shown}: not a query parameter of this route{meant}; it takes {string.Join(", ", names)}.";
            }

            if (values.Count > 1)
            {
                return $"{name}: given {values.Count} times; give each parameter once.";
            }

            // No stored name, principal, code or cursor holds one (and PostgreSQL's text cannot hold a NUL).
            if (values.ToString().Any(char.IsControl))
            {
                return $"{name}: holds a control character, which no value it is compared with does.";
            }
        }

        return null;
    }
}
