using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portcullis.Core.Audit;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Errors;
using Portcullis.Core.Idempotency;
using Portcullis.Core.Pipeline;
using Portcullis.Core.State;
using Portcullis.Diagnostics;

namespace Portcullis.Admin;

/// <summary>
/// <c>/admin/api/idempotency</c>: stored keys by key or state, and settling an outcome-unknown key
/// (<c>POST …/{id}/resolve {"executed": true|false, "note": …, "correlation_id": …}</c>).
/// </summary>
internal static class AdminIdempotencyEndpoints
{
    public const int MaxNoteLength = 1000;

    /// <summary>The longest <c>correlation_id</c> a resolve body may name (the gateway's own are 32 characters).</summary>
    public const int MaxCorrelationIdLength = 256;

    /// <summary>The query parameters of <c>GET /admin/api/idempotency</c>; any other is refused.</summary>
    public static readonly AdminQuery ListParameters = new("state", "connector", "principal", "client_id", "tool", "key", "limit", "cursor");

    /// <summary>The properties of the resolve body; any other is refused.</summary>
    public static readonly string[] ResolveProperties = ["executed", "note", "correlation_id"];

    private const string ResolveShape = "{\"executed\": true|false, \"note\": \"…\", \"correlation_id\": \"…\"}";

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/idempotency", async (HttpRequest request, IIdempotencyStore store, IdempotencyResolver resolver, StateClock time, CancellationToken cancellationToken) =>
        {
            var query = request.Query;
            IdempotencyState? state = null;
            if (query["state"].ToString() is { Length: > 0 } s)
            {
                if (ParseState(s) is not { } parsed)
                {
                    return AdminResults.BadRequest("state: one of in_progress, completed, outcome_unknown, awaiting_review.");
                }

                state = parsed;
            }

            var limit = 100;
            if (query["limit"].ToString() is { Length: > 0 } l
                && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > IdempotencyListRequest.MaxLimit))
            {
                return AdminResults.BadRequest($"limit: a whole number from 1 to {IdempotencyListRequest.MaxLimit}.");
            }

            IdempotencyRecordPage page;
            try
            {
                page = await store.ListAsync(new IdempotencyListRequest(time.GetUtcNow(), resolver.Retention)
                {
                    State = state,
                    Environment = resolver.Environment,
                    Connector = Value(query, "connector"),
                    Subject = Value(query, "principal"),
                    ClientId = Value(query, "client_id"),
                    Tool = Value(query, "tool"),
                    Key = Value(query, "key"),
                    Limit = limit,
                    Cursor = Value(query, "cursor"),
                }, cancellationToken);
            }
            catch (ArgumentException)
            {
                return AdminResults.BadRequest("cursor: not one this API gave out.");
            }

            return AdminResults.Json(new JsonObject
            {
                ["records"] = new JsonArray([.. page.Records.Select(r => (JsonNode)Record(r))]),
                ["next"] = page.Next,
            });
        }).WithMetadata(ListParameters);

        api.MapGet("/idempotency/{id}", async (string id, IIdempotencyStore store, IdempotencyResolver resolver, StateClock time, CancellationToken cancellationToken) =>
        {
            if (!IdempotencyRecordId.TryParse(id, out var scope) || scope.Environment != resolver.Environment)
            {
                return AdminResults.NotFound("No stored key has this id.");
            }

            return await store.GetAsync(scope, time.GetUtcNow(), resolver.Retention, cancellationToken) is { } record
                ? AdminResults.Json(Record(record))
                : AdminResults.NotFound("No stored key has this id (it may have passed its retention).");
        });

        api.MapPost("/idempotency/{id}/resolve", async (string id, HttpRequest request, IdempotencyResolver resolver, DecisionRecorder recorder, RefusalCounter counter,
            ILoggerFactory loggers, CancellationToken cancellationToken) =>
        {
            if (!IdempotencyRecordId.TryParse(id, out var scope))
            {
                return AdminResults.NotFound("No stored key has this id.");
            }

            var (parsed, note, correlationId, problem) = await ReadResolution(request, cancellationToken);
            if (problem is not null || parsed is not { } executed)
            {
                return AdminResults.BadRequest(problem ?? $"The body must be {ResolveShape}.");
            }

            var subject = AdminAuthentication.Subject(request.HttpContext.User);
            var (status, record) = await resolver.ResolveAsync(scope, executed, note, subject, correlationId, cancellationToken);
            switch (status)
            {
                case ResolveStatus.NotFound:
                    return AdminResults.NotFound("No stored key has this id (it may have passed its retention).");
                case ResolveStatus.OtherCall:
                    return AdminRefusal.Refuse(request, recorder, counter, loggers.CreateLogger("Portcullis.Admin"), scope.Connector, scope.Tool, ErrorCatalog.Conflict,
                        StatusCodes.Status409Conflict, CallStage.Idempotency, "other_call", $"key of call {record!.CorrelationId}",
                        $"The key now holds another call than the one named (correlation_id {record.CorrelationId}, {State(record.State)}): nothing was settled. Check that call before settling it.");
                case ResolveStatus.Unreadable:
                    return AdminRefusal.Refuse(request, recorder, counter, loggers.CreateLogger("Portcullis.Admin"), scope.Connector, scope.Tool, ErrorCatalog.Conflict,
                        StatusCodes.Status409Conflict, CallStage.Idempotency, "unreadable", $"store key {record!.Unreadable!.StoreKey}",
                        $"The store cannot read this key's record ({string.Join(", ", record.Unreadable.Fields)}): it cannot be settled here, and its retries answer " +
                        $"idempotency_outcome_unknown. Once the target system is checked, delete it with the store's own tools (store_key {record.Unreadable.StoreKey}).");
                case ResolveStatus.NotOutcomeUnknown:
                    return AdminRefusal.Refuse(request, recorder, counter, loggers.CreateLogger("Portcullis.Admin"), scope.Connector, scope.Tool, ErrorCatalog.Conflict,
                        StatusCodes.Status409Conflict, CallStage.Idempotency, "not_outcome_unknown", $"key of call {record!.CorrelationId}",
                        $"The key is {State(record.State)}, not outcome_unknown: there is nothing to settle.");
            }

            GatewayLog.KeyResolved(loggers.CreateLogger("Portcullis.Admin"), subject, scope.Connector, scope.Tool, record!.CorrelationId, executed ? "executed" : "not executed");
            return AdminResults.Json(new JsonObject
            {
                ["resolved"] = executed ? "executed" : "not_executed",
                ["record"] = executed ? Record(record) : null,
                ["released"] = !executed,
            });
        }).AddEndpointFilter(AdminBody.RequireJson);
    }

    private static async Task<(bool? Executed, string? Note, string? CorrelationId, string? Problem)> ReadResolution(HttpRequest request, CancellationToken cancellationToken)
    {
        var (document, unreadable) = await AdminBody.ReadAsync(request, ResolveShape, cancellationToken);
        if (document is null)
        {
            return (null, null, null, unreadable);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && AdminBody.Problem(root, ResolveProperties) is { } unknown)
            {
                return (null, null, null, unknown);
            }

            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("executed", out var executed) || executed.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return (null, null, null, "executed: required, true (the call took effect) or false (it did not).");
            }

            string? note = null;
            if (root.TryGetProperty("note", out var n) && n.ValueKind != JsonValueKind.Null)
            {
                if (!AdminBody.IsText(n, MaxNoteLength))
                {
                    return (null, null, null, $"note: a string of at most {MaxNoteLength} characters, without NUL.");
                }

                note = n.GetString();
            }

            string? correlationId = null;
            if (root.TryGetProperty("correlation_id", out var c) && c.ValueKind != JsonValueKind.Null)
            {
                if (!AdminBody.IsText(c, MaxCorrelationIdLength) || c.GetString()!.Length == 0)
                {
                    return (null, null, null, $"correlation_id: the call's id as the key shows it, a string of 1 to {MaxCorrelationIdLength} characters.");
                }

                correlationId = c.GetString();
            }

            return (executed.GetBoolean(), note, correlationId, null);
        }
    }

    /// <summary>A stored key as the API shows it; a field the store could not read is null (the record's state excepted).</summary>
    internal static JsonObject Record(IdempotencyRecord record)
    {
        var (subject, clientId) = IdempotencyRecordId.Principal(record.Scope);
        var unreadable = record.Unreadable;
        bool Read(string field) => unreadable?.Names(field) != true;
        JsonNode? Field(string field, string value) => Read(field) ? value : null;
        JsonNode? TimeField(string field, DateTimeOffset value) => Read(field) ? AdminResults.Time(value) : null;
        var scopeRead = Read("environment") && Read("connector") && Read("principal") && Read("tool") && Read("key");
        return new JsonObject
        {
            // A record that lost part of its scope has no id: nothing could find it by one.
            ["id"] = scopeRead ? IdempotencyRecordId.From(record.Scope) : null,
            ["environment"] = Field("environment", record.Scope.Environment),
            ["connector"] = Field("connector", record.Scope.Connector),
            ["principal"] = Field("principal", subject),
            ["client_id"] = Read("principal") ? clientId : null,
            ["tool"] = Field("tool", record.Scope.Tool),
            ["key"] = Field("key", record.Scope.Key),
            ["arguments_sha256"] = Field("arguments_sha256", record.Fingerprint),
            ["state"] = State(record.State),
            ["correlation_id"] = Field("correlation_id", record.CorrelationId),
            ["created_at"] = TimeField("created_at", record.CreatedAt),
            ["updated_at"] = TimeField("updated_at", record.UpdatedAt),
            ["lease_expires_at"] = TimeField("lease_expires_at", record.LeaseExpiresAt),
            ["review_id"] = record.ReviewId,
            ["resolution"] = record.Resolution is { } r
                ? new JsonObject { ["executed"] = r.Executed, ["resolved_by"] = r.ResolvedBy, ["resolved_at"] = AdminResults.Time(r.ResolvedAt), ["note"] = r.Note }
                : null,
            ["unreadable"] = unreadable is null
                ? null
                : new JsonObject { ["fields"] = new JsonArray([.. unreadable.Fields.Select(f => (JsonNode?)f)]), ["store_key"] = unreadable.StoreKey },
        };
    }

    private static string State(IdempotencyState state) => state switch
    {
        IdempotencyState.InProgress => "in_progress",
        IdempotencyState.Completed => "completed",
        IdempotencyState.AwaitingReview => "awaiting_review",
        _ => "outcome_unknown",
    };

    private static IdempotencyState? ParseState(string text) => text switch
    {
        "in_progress" => IdempotencyState.InProgress,
        "completed" => IdempotencyState.Completed,
        "outcome_unknown" => IdempotencyState.OutcomeUnknown,
        "awaiting_review" => IdempotencyState.AwaitingReview,
        _ => null,
    };

    private static string? Value(IQueryCollection values, string name) => values[name].ToString() is { Length: > 0 } v ? v : null;
}
