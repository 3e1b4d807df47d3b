using System.Globalization;
using System.Text.Json.Nodes;
using Portcullis.Core.Audit;
using Portcullis.Core.Configuration;

namespace Portcullis.Admin;

/// <summary><c>GET /admin/api/audit</c>: the audit trail, newest first, paged, with the filters of <c>portcullis audit</c>.</summary>
internal static class AdminAuditEndpoints
{
    /// <summary>The query parameters of <c>GET /admin/api/audit</c>; any other is refused.</summary>
    public static readonly AdminQuery Parameters =
        new("since", "until", "principal", "tool", "code", "connector", "kind", "decision", "correlation_id", "limit", "cursor");

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/audit", async (HttpRequest request, IServiceProvider services, TimeProvider time, GatewayConfig config, CancellationToken cancellationToken) =>
        {
            if (services.GetService<IAuditReader>() is not { } reader)
            {
                return AdminResults.Conflict("The audit trail is off (audit.sink: none).");
            }

            if (ReadQuery(request.Query, time.GetUtcNow(), out var query) is { } problem)
            {
                return AdminResults.BadRequest(problem);
            }

            // A trail shared by several environments' gateways (one PostgreSQL) shows each admin plane its own.
            query = query with { Environment = config.Environment };

            AuditPage page;
            try
            {
                page = await reader.QueryAsync(query, cancellationToken);
            }
            catch (ArgumentException)
            {
                return AdminResults.BadRequest("cursor: not one this API gave out.");
            }

            return AdminResults.Json(new JsonObject
            {
                ["events"] = new JsonArray([.. page.Events.Select(e => JsonNode.Parse(AuditJson.ToUtf8(e)))]),
                ["next"] = page.Next,
            });
        }).WithMetadata(Parameters);
    }

    /// <summary>Reads the filters; returns a problem to answer with 400, or null.</summary>
    internal static string? ReadQuery(IQueryCollection values, DateTimeOffset now, out AuditQuery query)
    {
        query = new AuditQuery();
        DateTimeOffset? since = null, until = null;
        if (values["since"].ToString() is { Length: > 0 } s)
        {
            if (!TimeFilter.TryParse(s, now, out var at))
            {
                return $"since: {TimeFilter.Expected}.";
            }

            since = at;
        }

        if (values["until"].ToString() is { Length: > 0 } u)
        {
            if (!TimeFilter.TryParse(u, now, out var at))
            {
                return $"until: {TimeFilter.Expected}.";
            }

            until = at;
        }

        var limit = AuditQuery.DefaultLimit;
        if (values["limit"].ToString() is { Length: > 0 } l
            && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > AuditQuery.MaxLimit))
        {
            return $"limit: a whole number from 1 to {AuditQuery.MaxLimit}.";
        }

        query = new AuditQuery
        {
            Since = since,
            Until = until,
            Principal = Value(values, "principal"),
            Tool = Value(values, "tool"),
            Code = Value(values, "code"),
            Connector = Value(values, "connector"),
            Kind = Value(values, "kind"),
            Decision = Value(values, "decision"),
            CorrelationId = Value(values, "correlation_id"),
            Limit = limit,
            Cursor = Value(values, "cursor"),
        };
        return AuditFilters.Check(query) is { } problem ? $"{problem.Filter}: {problem.Message}." : null;
    }

    private static string? Value(IQueryCollection values, string name) => values[name].ToString() is { Length: > 0 } v ? v : null;
}
