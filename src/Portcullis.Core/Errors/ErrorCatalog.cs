namespace Portcullis.Core.Errors;

/// <summary>Every error code the gateway can answer with; each one is documented in docs/errors.md.</summary>
public static class ErrorCatalog
{
    public static readonly ErrorCode InvalidArguments = new("invalid_arguments", retryable: false);
    public static readonly ErrorCode ToolNotFound = new("tool_not_found", retryable: false);
    public static readonly ErrorCode InsufficientScope = new("insufficient_scope", retryable: false);
    public static readonly ErrorCode RateLimited = new("rate_limited", retryable: true);
    public static readonly ErrorCode UpstreamUnavailable = new("upstream_unavailable", retryable: true);
    public static readonly ErrorCode UpstreamTimeout = new("upstream_timeout", retryable: true);
    public static readonly ErrorCode UpstreamError = new("upstream_error", retryable: false);
    public static readonly ErrorCode IdempotencyKeyMissing = new("idempotency_key_missing", retryable: false);
    public static readonly ErrorCode IdempotencyKeyReused = new("idempotency_key_reused", retryable: false);
    public static readonly ErrorCode IdempotencyInProgress = new("idempotency_in_progress", retryable: true);
    public static readonly ErrorCode IdempotencyOutcomeUnknown = new("idempotency_outcome_unknown", retryable: false);
    public static readonly ErrorCode PayloadTooLarge = new("payload_too_large", retryable: false);
    public static readonly ErrorCode InvalidRequest = new("invalid_request", retryable: false);
    public static readonly ErrorCode NotFound = new("not_found", retryable: false);
    public static readonly ErrorCode HostNotAllowed = new("host_not_allowed", retryable: false);
    public static readonly ErrorCode Internal = new("internal", retryable: true);
    public static readonly ErrorCode AuditUnavailable = new("audit_unavailable", retryable: true);
    public static readonly ErrorCode StateUnavailable = new("state_unavailable", retryable: true);
    public static readonly ErrorCode IdentityUnavailable = new("identity_unavailable", retryable: true);
    public static readonly ErrorCode Unauthenticated = new("unauthenticated", retryable: false);
    public static readonly ErrorCode Conflict = new("conflict", retryable: false);
    public static readonly ErrorCode ToolChanged = new("tool_changed", retryable: false);
    public static readonly ErrorCode ReviewPending = new("review_pending", retryable: true);
    public static readonly ErrorCode ReviewDenied = new("review_denied", retryable: false);
    public static readonly ErrorCode ReviewExpired = new("review_expired", retryable: false);
    public static readonly ErrorCode ReviewUnavailable = new("review_unavailable", retryable: false);
    public static readonly ErrorCode ReviewOutdated = new("review_outdated", retryable: false);
    public static readonly ErrorCode Forbidden = new("forbidden", retryable: false);

    /// <summary>The whole catalog, in documentation order.</summary>
    public static IReadOnlyList<ErrorCode> All { get; } =
    [
        InvalidArguments, ToolNotFound, InsufficientScope, RateLimited, UpstreamUnavailable, UpstreamTimeout,
        UpstreamError, IdempotencyKeyMissing, IdempotencyKeyReused, IdempotencyInProgress,
        IdempotencyOutcomeUnknown, ReviewPending, ReviewDenied, ReviewExpired, ReviewOutdated, ReviewUnavailable, PayloadTooLarge, InvalidRequest,
        NotFound, HostNotAllowed, Internal, AuditUnavailable, StateUnavailable, IdentityUnavailable, Unauthenticated, Conflict, ToolChanged, Forbidden,
    ];
}
