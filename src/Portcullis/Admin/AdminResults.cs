using System.Text.Json.Nodes;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Errors;

namespace Portcullis.Admin;

/// <summary>The admin API's JSON conventions: snake_case bodies, and errors as the catalog's envelope.</summary>
internal static class AdminResults
{
    public static IResult Json(JsonNode body, int status = StatusCodes.Status200OK) =>
        Results.Text(body.ToJsonString(Options), "application/json", statusCode: status);

    private static readonly System.Text.Json.JsonSerializerOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary><c>{"error": {"code", "message", "retryable", "correlation_id"}}</c> with the HTTP status.</summary>
    public static IResult Error(ErrorCode code, string message, string? correlationId, int status) =>
        Json(ErrorEnvelope.ToJson(new GatewayError(code, message), correlationId ?? CorrelationIds.Next()), status);

    public static IResult BadRequest(string message) => Error(ErrorCatalog.InvalidArguments, message, null, StatusCodes.Status400BadRequest);

    public static IResult NotFound(string message) => Error(ErrorCatalog.NotFound, message, null, StatusCodes.Status404NotFound);

    public static IResult Conflict(string message) => Error(ErrorCatalog.Conflict, message, null, StatusCodes.Status409Conflict);

    /// <summary>An ISO 8601 UTC timestamp, as everywhere in the admin API and the audit trail.</summary>
    public static string Time(DateTimeOffset time) => Core.Audit.AuditJson.FormatTime(time);
}
