using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portcullis.Core.Audit;
using Portcullis.Core.Configuration;
using Portcullis.Core.Connectors;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Errors;
using Portcullis.Core.Idempotency;
using Portcullis.Core.Pipeline;
using Portcullis.Core.Review;
using Portcullis.Core.Security;
using Portcullis.Diagnostics;

namespace Portcullis.Admin;

/// <summary>
/// <c>/admin/api/reviews</c> (scope <c>portcullis:review</c>): held calls waiting for a person, with their arguments
/// as the audit trail would keep them (redacted fields replaced), and deciding one
/// (<c>POST …/{id} {"decision": "approve" | "deny", "reason": …}</c>). A reviewer never decides their own call.
/// </summary>
internal static class AdminReviewEndpoints
{
    private const string CallerModeMessage = "This review is the calling user's to confirm (caller mode); reviewers cannot decide it.";

    public const int MaxReasonLength = 1000;

    /// <summary>The query parameters of <c>GET /admin/api/reviews</c>; any other is refused.</summary>
    public static readonly AdminQuery ListParameters = new("state", "connector", "principal", "client_id", "tool", "limit", "cursor");

    /// <summary>The properties of the decision body; any other is refused.</summary>
    public static readonly string[] DecisionProperties = ["decision", "reason"];

    private const string DecisionShape = "{\"decision\": \"approve\" | \"deny\", \"reason\": \"…\"}";

    public static void Map(RouteGroupBuilder reviews)
    {
        reviews.MapGet("", async (HttpRequest request, IIdempotencyStore store, ReviewGate gate, ConnectorRegistry connectors, CancellationToken cancellationToken) =>
        {
            var query = request.Query;
            ReviewState? state = null;
            if (query["state"].ToString() is { Length: > 0 } s)
            {
                if (ParseState(s) is not { } parsed)
                {
                    return AdminResults.BadRequest("state: one of pending, approved, denied, expired.");
                }

                state = parsed;
            }

            var limit = 100;
            if (query["limit"].ToString() is { Length: > 0 } l
                && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > ReviewListRequest.MaxLimit))
            {
                return AdminResults.BadRequest($"limit: a whole number from 1 to {ReviewListRequest.MaxLimit}.");
            }

            var now = gate.Now;
            ReviewPage page;
            try
            {
                page = await store.ListReviewsAsync(new ReviewListRequest(now, gate.Retention)
                {
                    State = state,
                    Environment = gate.Environment,
                    Connector = Value(query, "connector"),
                    Tool = Value(query, "tool"),
                    Subject = Value(query, "principal"),
                    ClientId = Value(query, "client_id"),
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
                ["reviews"] = new JsonArray([.. page.Reviews.Select(r => (JsonNode)Review(r, now, connectors))]),
                ["next"] = page.Next,
            });
        }).WithMetadata(ListParameters);

        reviews.MapGet("/{id}", async (string id, IIdempotencyStore store, ReviewGate gate, ConnectorRegistry connectors, CancellationToken cancellationToken) =>
        {
            var now = gate.Now;
            return ReviewIds.IsWellFormed(id) && await store.GetReviewAsync(id, now, gate.Retention, cancellationToken) is { } review && gate.IsOwn(review)
                ? AdminResults.Json(Review(review, now, connectors))
                : AdminResults.NotFound("No review has this id (it may have passed its retention).");
        });

        reviews.MapPost("/{id}", async (string id, HttpRequest request, IIdempotencyStore store, ReviewGate gate, ConnectorRegistry connectors, DecisionRecorder recorder,
            RefusalCounter counter, ILoggerFactory loggers, CancellationToken cancellationToken) =>
        {
            var (approve, reason, problem) = await ReadDecision(request, cancellationToken);
            if (problem is not null || approve is not { } decision)
            {
                return AdminResults.BadRequest(problem ?? "The body must be {\"decision\": \"approve\" | \"deny\", \"reason\": \"…\"}.");
            }

            if (!ReviewIds.IsWellFormed(id) || await store.GetReviewAsync(id, gate.Now, gate.Retention, cancellationToken) is not { } review || !gate.IsOwn(review))
            {
                return AdminResults.NotFound("No review has this id (it may have passed its retention).");
            }

            var reviewer = AdminAuthentication.Subject(request.HttpContext.User);
            var logger = loggers.CreateLogger("Portcullis.Admin");
            if (string.Equals(IdempotencyRecordId.Principal(review.Scope).Subject, reviewer, StringComparison.Ordinal))
            {
                // Someone tried to wave their own call through: as much a refusal of the admin plane as a missing scope.
                return Refuse(request, review, recorder, counter, logger, ErrorCatalog.Forbidden, StatusCodes.Status403Forbidden, CallStage.Authorize, "own_call",
                    "A reviewer cannot decide their own call: another person must review it.");
            }

            if (review.Mode == ReviewModes.Caller)
            {
                return Refuse(request, review, recorder, counter, logger, ErrorCatalog.Conflict, StatusCodes.Status409Conflict, CallStage.Review, "caller_mode",
                    CallerModeMessage);
            }

            if (review.StateAt(gate.Now) == ReviewState.Pending && Outdated(review, connectors))
            {
                // An approval would never run (the retry answers review_outdated), yet would read as given in the trail.
                return Refuse(request, review, recorder, counter, logger, ErrorCatalog.Conflict, StatusCodes.Status409Conflict, CallStage.Review, "outdated",
                    "The tool's definition changed after this call was held, so the call can no longer run (its retry answers " +
                    "review_outdated); nothing changed. The agent asks again with a new idempotency_key, reviewed under the current definition.");
            }

            var result = await gate.DecideAsync(review, reviewer, ReviewModes.Reviewer, decision, reason, cancellationToken);
            var now = gate.Now;
            var (conflict, message) = result.Status switch
            {
                ReviewDecisionStatus.AlreadyDecided => ("already_decided", $"The review was already {State(result.Review!.StateAt(now))}; nothing changed."),
                ReviewDecisionStatus.Expired => ("expired", "The review expired before this decision; nothing changed."),
                ReviewDecisionStatus.AlreadyApproved => ("already_approved", "You already approved this review; it needs another reviewer's approval."),
                ReviewDecisionStatus.OtherMode => ("caller_mode", CallerModeMessage),
                _ => (null, null),
            };
            if (conflict is not null)
            {
                return Refuse(request, review, recorder, counter, logger, ErrorCatalog.Conflict, StatusCodes.Status409Conflict, CallStage.Review, conflict, message!);
            }

            return result.Status == ReviewDecisionStatus.NotFound
                ? AdminResults.NotFound("No review has this id (it may have passed its retention).")
                : AdminResults.Json(Review(result.Review!, now, connectors));
        }).AddEndpointFilter(AdminBody.RequireJson);
    }

    /// <summary>A reviewer's decision refused (see <see cref="AdminRefusal"/>), the review's id in the detail.</summary>
    private static IResult Refuse(HttpRequest request, ReviewRecord review, DecisionRecorder recorder, RefusalCounter counter, ILogger logger,
        ErrorCode code, int status, string stage, string reason, string message) =>
        AdminRefusal.Refuse(request, recorder, counter, logger, review.Scope.Connector, review.Scope.Tool, code, status, stage, reason, "review " + review.Id, message);

    private static async Task<(bool? Approve, string? Reason, string? Problem)> ReadDecision(HttpRequest request, CancellationToken cancellationToken)
    {
        var (document, unreadable) = await AdminBody.ReadAsync(request, DecisionShape, cancellationToken);
        if (document is null)
        {
            return (null, null, unreadable);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && AdminBody.Problem(root, DecisionProperties) is { } unknown)
            {
                return (null, null, unknown);
            }

            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("decision", out var d) || d.ValueKind != JsonValueKind.String
                || d.GetString() is not ("approve" or "deny"))
            {
                return (null, null, "decision: required, \"approve\" or \"deny\".");
            }

            string? reason = null;
            if (root.TryGetProperty("reason", out var r) && r.ValueKind != JsonValueKind.Null)
            {
                if (!AdminBody.IsText(r, MaxReasonLength))
                {
                    return (null, null, $"reason: a string of at most {MaxReasonLength} characters, without NUL.");
                }

                reason = string.IsNullOrWhiteSpace(r.GetString()) ? null : r.GetString();
            }

            return (d.GetString() == "approve", reason, null);
        }
    }

    /// <summary>
    /// True when the tool the review is bound to is offered under another definition now: its call cannot run (a retry
    /// answers <c>review_outdated</c>). A tool the catalog does not offer now (withheld, or its upstream unknown) is not judged.
    /// </summary>
    internal static bool Outdated(ReviewRecord review, ConnectorRegistry connectors) =>
        review.DefinitionSha256 is { } heldUnder
        && connectors.TryGet(review.Scope.Connector, out var connector)
        && connector.Catalog.Current.TryGet(review.Scope.Tool, out var tool)
        && !string.Equals(tool.DefinitionSha256, heldUnder, StringComparison.Ordinal);

    internal static JsonObject Review(ReviewRecord review, DateTimeOffset now, ConnectorRegistry connectors)
    {
        var (subject, clientId) = IdempotencyRecordId.Principal(review.Scope);
        var warnings = ReviewWarnings.Of(review.ArgumentsJson);
        return new JsonObject
        {
            ["id"] = review.Id,
            ["state"] = State(review.StateAt(now)),
            ["mode"] = review.Mode,
            ["environment"] = review.Scope.Environment,
            ["connector"] = review.Scope.Connector,
            ["tool"] = review.Scope.Tool,
            ["principal"] = subject,
            ["client_id"] = clientId,
            ["key"] = review.Scope.Key,
            ["idempotency_id"] = IdempotencyRecordId.From(review.Scope),
            ["arguments"] = JsonNode.Parse(review.ArgumentsJson),
            ["arguments_sha256"] = review.Fingerprint,
            ["warnings"] = warnings.List,
            ["warnings_truncated"] = warnings.Truncated,
            ["definition_sha256"] = review.DefinitionSha256,
            ["outdated"] = Outdated(review, connectors),
            ["correlation_id"] = review.CorrelationId,
            ["created_at"] = AdminResults.Time(review.CreatedAt),
            ["expires_at"] = AdminResults.Time(review.ExpiresAt),
            ["approvals_required"] = review.ApprovalsRequired,
            ["approvals"] = new JsonArray([.. review.Approvals.Select(a => (JsonNode)new JsonObject
            {
                ["reviewer"] = a.Reviewer,
                ["at"] = AdminResults.Time(a.At),
                ["reason"] = a.Reason,
            })]),
            ["decision"] = review.Decision is { } d
                ? new JsonObject { ["approved"] = d.Approved, ["decided_by"] = d.DecidedBy, ["decided_at"] = AdminResults.Time(d.DecidedAt), ["reason"] = d.Reason }
                : null,
            ["execute_by"] = review.ExecuteBy is { } executeBy ? AdminResults.Time(executeBy) : null,
        };
    }

    private static string State(ReviewState state) => state switch
    {
        ReviewState.Pending => "pending",
        ReviewState.Approved => "approved",
        ReviewState.Denied => "denied",
        _ => "expired",
    };

    private static ReviewState? ParseState(string text) => text switch
    {
        "pending" => ReviewState.Pending,
        "approved" => ReviewState.Approved,
        "denied" => ReviewState.Denied,
        "expired" => ReviewState.Expired,
        _ => null,
    };

    private static string? Value(IQueryCollection values, string name) => values[name].ToString() is { Length: > 0 } v ? v : null;
}
