namespace Portcullis.Core.Errors;

/// <summary>A failure the gateway answers with; its message is safe to show a model.</summary>
public sealed record GatewayError(ErrorCode Code, string Message)
{
    public int? RetryAfterSeconds { get; init; }

    public IReadOnlyList<ErrorDetail>? Details { get; init; }

    /// <summary>The name is the client's own: it comes back escaped and bounded, never as text the client chose at any length.</summary>
    public static GatewayError ToolNotFound(string tool) =>
        new(ErrorCatalog.ToolNotFound, $"Tool '{Diagnostics.LogText.Safe(tool)}' does not exist on this server.");

    /// <summary>
    /// The definition of a tool, resource or prompt the caller may use is not the one an operator reviewed (it changed, or was
    /// never pinned): the gateway withholds it until an operator accepts it. Never retryable: only a person can release it.
    /// </summary>
    public static GatewayError DefinitionChanged(string what) =>
        new(ErrorCatalog.ToolChanged,
            $"{what} changed since an operator reviewed it (or was never reviewed), so the gateway withholds it. An operator must review "
            + "the change and accept it before it can be used again; do not retry, tell the person.");

    /// <summary>
    /// With pins on, the resource or prompt asked for is listed by the upstream in a form the gateway cannot read (not
    /// I-JSON): it has no digest, so no pin can ever admit it. Never retryable: the upstream must change it.
    /// </summary>
    public static GatewayError DefinitionUnreadable(string what) =>
        new(ErrorCatalog.ToolChanged,
            $"{what} is listed by the upstream in a form the gateway cannot read (its definition is not I-JSON), so the gateway withholds it "
            + "until the upstream fixes it; do not retry, tell the person.");

    /// <summary>
    /// The resource, template or prompt asked for is listed by the upstream more than once (under one URI, URI template or
    /// name): which definition it honours is unknown, so no pin can admit it. Never retryable: the upstream must change it.
    /// </summary>
    public static GatewayError DefinitionListedTwice(string what) =>
        new(ErrorCatalog.ToolChanged,
            $"{what} is listed by the upstream more than once, so which definition it honours is unknown and the gateway withholds it "
            + "until the upstream lists it once; do not retry, tell the person.");

    /// <summary>The upstream has not listed its tools since the gateway started: the tool may exist in a moment.</summary>
    public static GatewayError CatalogUnknown(int retryAfterSeconds) =>
        new(ErrorCatalog.UpstreamUnavailable, "The upstream server has not listed its tools since the gateway started; retry shortly.")
        {
            RetryAfterSeconds = retryAfterSeconds,
        };

    /// <summary>The gateway is shutting down and cancelled the call, or did not send it.</summary>
    public static GatewayError ShuttingDown() =>
        new(ErrorCatalog.UpstreamUnavailable, "The gateway is shutting down and did not finish the call; retry shortly.")
        {
            RetryAfterSeconds = 1,
        };

    /// <summary>
    /// The upstream's answer passed <c>limits.max_result_bytes</c> and was dropped. The same request would get the same
    /// answer, so it is the upstream's error, never retryable; a write has acted without an answer to show.
    /// </summary>
    public static GatewayError AnswerTooLarge(long limit, bool write)
    {
        var happened = $"The upstream server's answer was larger than the {limit} bytes the gateway passes on, so it was dropped";
        return write ? WriteAnswerLost(ErrorCatalog.UpstreamError, happened) : new(ErrorCatalog.UpstreamError, happened + ".");
    }

    /// <summary>
    /// What became of a write whose answer was lost, as the cause an outcome-unknown answer keeps: what happened, and
    /// how it is settled, never an invitation to retry (the key is outcome-unknown, and a new key could act twice).
    /// </summary>
    public static GatewayError WriteAnswerLost(ErrorCode code, string happened) =>
        new(code, happened + "; the write may have acted. Do not retry it: a person checks the target system, then an operator settles the idempotency_key.");

    /// <summary>
    /// A write failed after it was sent (its answer lost, refused by the upstream, or not passed on): whether it took
    /// effect is unknown, so the answer is never retryable, and it is the answer every retry with the key gets. The
    /// failure it would have been for a read is kept as the one detail (its code as keyword, its message).
    /// </summary>
    public static GatewayError OutcomeUnknownAfterSend(GatewayError cause) =>
        new(ErrorCatalog.IdempotencyOutcomeUnknown,
            "The write was sent to the upstream but did not end in a result the gateway could keep (" + cause.Code.Code + "), so whether it took effect is unknown. " +
            "It will not be repeated with this idempotency_key, and a new key could make it act twice: stop, a person checks the target system, then an operator settles the key.")
        {
            Details = [new ErrorDetail("", cause.Code.Code, cause.Message)],
        };

    /// <summary>The HTTP upstream answered 429: it refused the request, and said when to come back.</summary>
    public static GatewayError UpstreamRateLimited(TimeSpan retryAfter) =>
        new(ErrorCatalog.RateLimited, "The upstream server is rate limiting calls; wait before calling again.")
        {
            RetryAfterSeconds = WholeSeconds(retryAfter),
        };

    /// <summary>The HTTP upstream answered a read 503 and said when to come back (its <c>Retry-After</c>).</summary>
    public static GatewayError UpstreamBusy(TimeSpan retryAfter) =>
        new(ErrorCatalog.UpstreamUnavailable, "The upstream server is unavailable for now; retry after retry_after_seconds.")
        {
            RetryAfterSeconds = WholeSeconds(retryAfter),
        };

    /// <summary>
    /// The HTTP upstream answered 401 or 403: it refused the gateway's own credentials and did not act. The same call gets the
    /// same answer until an operator fixes them, so it is not retryable; a write's key is released.
    /// </summary>
    public static GatewayError UpstreamRefusedCredentials(int statusCode) =>
        new(ErrorCatalog.UpstreamError, string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"The upstream server refused the gateway's credentials (HTTP {statusCode}), so it did not carry out the request. An operator must fix the connector's upstream credentials; do not retry until then."));

    /// <summary>The caller's budget for the connector or tool is spent.</summary>
    public static GatewayError RateLimited(TimeSpan retryAfter) =>
        new(ErrorCatalog.RateLimited, "Too many calls; wait before calling again.")
        {
            RetryAfterSeconds = WholeSeconds(retryAfter),
        };

    /// <summary>
    /// A write the gateway did not send because its claim on the key ran out before it could (the process was held up past
    /// the lease): nothing was sent, so the retry may run it, or gets whatever became of the key meanwhile.
    /// </summary>
    public static GatewayError ClaimRanOut() =>
        new(ErrorCatalog.Internal,
            "The gateway was held up before sending this write, past the time its claim on the idempotency_key covers, so it did not send it. " +
            "Retry with the same idempotency_key and arguments.")
        {
            RetryAfterSeconds = 1,
        };

    /// <summary>
    /// A write the gateway did not send because, held up since it claimed the key, it found the claim no longer its own
    /// (settled or taken elsewhere meanwhile): nothing was sent, so the retry gets whatever became of the key.
    /// </summary>
    public static GatewayError ClaimLost() =>
        new(ErrorCatalog.Internal,
            "The gateway was held up before sending this write, and meanwhile its claim on the idempotency_key was settled or taken elsewhere, so it did not send it. " +
            "Retry with the same idempotency_key and arguments to get what became of it.")
        {
            RetryAfterSeconds = 1,
        };

    public static GatewayError Internal() =>
        new(ErrorCatalog.Internal, "The gateway failed to handle the call; the log has the details under the correlation id.");

    /// <summary>A delay as <c>retry_after_seconds</c>: whole seconds, rounded up, at least 1.</summary>
    internal static int WholeSeconds(TimeSpan delay) => Math.Max(1, (int)Math.Ceiling(delay.TotalSeconds));
}
