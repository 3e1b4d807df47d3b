using System.Text.Json.Nodes;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Errors;

namespace Portcullis.Admin;

/// <summary>The admin API's JSON conventions: snake_case bodies, and errors as the catalog's envelope.</summary>
internal static class AdminResults
{
    public static IResult Json(JsonNode body, int status = StatusCodes.Status200OK) =>
        Results.Text(body.ToJsonString(Core.Audit.AuditJson.DocumentOptions), "application/json", statusCode: status);

    /// <summary>
    /// <c>{"error": {"code", "message", "retryable", "correlation_id"}}</c> with the HTTP status, the correlation id in
    /// the <c>Portcullis-Correlation-Id</c> header too, as on every other refusal of the gateway.
    /// </summary>
    public static IResult Error(ErrorCode code, string message, string? correlationId, int status, int? retryAfterSeconds = null)
    {
        var id = correlationId ?? CorrelationIds.Next();
        return new Correlated(Json(ErrorEnvelope.ToJson(new GatewayError(code, message) { RetryAfterSeconds = retryAfterSeconds }, id), status), id);
    }

    public static IResult BadRequest(string message) => Error(ErrorCatalog.InvalidArguments, message, null, StatusCodes.Status400BadRequest);

    public static IResult NotFound(string message) => Error(ErrorCatalog.NotFound, message, null, StatusCodes.Status404NotFound);

    public static IResult Conflict(string message) => Error(ErrorCatalog.Conflict, message, null, StatusCodes.Status409Conflict);

    private sealed class Correlated(IResult inner, string correlationId) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers[Refusals.HttpRefusals.CorrelationHeader] = correlationId;
            return inner.ExecuteAsync(httpContext);
        }
    }

    /// <summary>An ISO 8601 UTC timestamp, as everywhere in the admin API and the audit trail.</summary>
    public static string Time(DateTimeOffset time) => Core.Audit.AuditJson.FormatTime(time);
}
