using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Portcullis.Core.Audit;
using Portcullis.Core.Configuration;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Idempotency;

namespace Portcullis.Core.Review;

/// <summary>
/// Tells a chat or ticket system that a review waits (<c>review.notify_url</c>): a POST of the review's summary,
/// queued so the call never waits for it, retried with exponential backoff and jitter. The summary carries no
/// argument values unless <c>audit.include_arguments</c> is on (then redacted as in the audit trail, with the review's
/// <c>warnings</c>, as the admin API gives them), and never the
/// webhook URL (often a credential) in any log line.
/// </summary>
internal sealed class ReviewNotifier
{
    public const string HttpClientName = "portcullis-review-webhook";
    private const int QueueCapacity = 1000;

    /// <summary>
    /// The characters of arguments waiting for delivery, at most (64 MiB in memory): with <c>audit.include_arguments</c>,
    /// a receiver that hangs would otherwise hold 1,000 reviews of up to <c>limits.max_body_bytes</c> each.
    /// </summary>
    internal const long QueuedArgumentChars = 32L * 1024 * 1024;

    /// <summary>Reviews announced at once: a receiver that hangs on one holds up no more than this many deliveries.</summary>
    private const int Deliveries = 4;

    /// <summary>The text names at most this many places of the arguments where words mix scripts, then how many more.</summary>
    internal const int TextPaths = 3;

    /// <summary>A place longer than this (a long property name) is cut in the text; the warnings give it whole.</summary>
    internal const int TextPathLength = 64;

    private readonly Channel<ReviewRecord> _queue = Channel.CreateBounded<ReviewRecord>(new BoundedChannelOptions(QueueCapacity) { FullMode = BoundedChannelFullMode.Wait });
    private readonly IHttpClientFactory _clients;
    private readonly GatewayConfig _config;
    private readonly ILogger<ReviewNotifier> _logger;
    private readonly ResiliencePipeline _retry;
    private long _queuedArgumentChars;
    private string? _adminBase;

    public ReviewNotifier(IHttpClientFactory clients, GatewayConfig config, TimeProvider time, ILogger<ReviewNotifier> logger)
    {
        _clients = clients;
        _config = config;
        _logger = logger;
        _retry = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                // The attempt's own timeout (TimeoutRejectedException) is retried too: a receiver that hangs once may answer the next.
                // An answer that will not change (a hook revoked, 404 or 410; a payload refused, 400) is not retried.
                ShouldHandle = new PredicateBuilder()
                    .Handle<HttpRequestException>(ex => ex.StatusCode is null or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError)
                    .Handle<TaskCanceledException>()
                    .Handle<Polly.Timeout.TimeoutRejectedException>(),
                MaxRetryAttempts = 5,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromSeconds(1),
            })
            .AddTimeout(TimeSpan.FromSeconds(10))
            .Build();
    }

    public bool Enabled => _config.Review.NotifyUrl is not null;

    /// <summary>
    /// The admin plane listens at <paramref name="baseUrl"/> (<c>admin.public_url</c>, else the address it bound): the
    /// summary's <c>console_url</c> is built from it. Until then, from <c>admin.listen</c> unless that asks for port 0.
    /// </summary>
    public void AdminListening(string baseUrl) => Volatile.Write(ref _adminBase, baseUrl.TrimEnd('/'));

    /// <summary>
    /// The webhook's URL now: a secret reference is read at each delivery (a rotated value needs no restart) and held to
    /// the rule of a literal URL; a reference that resolves to nothing, or to a URL the rule refuses, gives null.
    /// </summary>
    public static string? Url(GatewayConfig config) =>
        config.Review.NotifyUrl is not { } url ? null
        : !SecretReference.TryParse(url, out var reference) ? url
        : reference.Resolve(config.BaseDirectory)?.Trim() is { } resolved && ReviewValidator.IsNotifyUrl(resolved) ? resolved
        : null;

    /// <summary>
    /// Queues the announcement of a new review; never waits. Its arguments are kept only when the summary carries them,
    /// and only while those waiting stay within <see cref="QueuedArgumentChars"/>.
    /// </summary>
    public void Announce(ReviewRecord review)
    {
        if (!Enabled)
        {
            return;
        }

        var queued = _config.Audit.IncludeArguments ? review : review with { ArgumentsJson = "" };
        if (Interlocked.Add(ref _queuedArgumentChars, queued.ArgumentsJson.Length) > QueuedArgumentChars || !_queue.Writer.TryWrite(queued))
        {
            Interlocked.Add(ref _queuedArgumentChars, -queued.ArgumentsJson.Length);
            Log.ReviewNotifyDropped(_logger, review.Id);
        }
    }

    /// <summary>Delivers queued announcements, a few at once, until <paramref name="cancellationToken"/> ends.</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, Deliveries).Select(_ => DeliverAsync(cancellationToken)));

    private async Task DeliverAsync(CancellationToken cancellationToken)
    {
        await foreach (var review in _queue.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                if (Url(_config) is not { } url)
                {
                    Log.ReviewNotifyUnresolved(_logger, review.Id);
                    continue;
                }

                await _retry.ExecuteAsync(async ct =>
                {
                    using var client = _clients.CreateClient(HttpClientName);
                    using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(Summary(review), options: AuditJson.DocumentOptions) };
                    // The status is the whole answer: the receiver's body is never read, so one that sends an endless or
                    // huge body after its 2xx neither holds the delivery until the timeout nor fills the gateway's memory.
                    using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
                    response.EnsureSuccessStatusCode();
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.ReviewNotifyFailed(_logger, review.Id, ex is HttpRequestException or TaskCanceledException or Polly.Timeout.TimeoutRejectedException ? null : ex);
            }
            finally
            {
                Interlocked.Add(ref _queuedArgumentChars, -review.ArgumentsJson.Length);
            }
        }
    }

    /// <summary>What the webhook receives: the review's facts, and its arguments only when the audit trail may keep them.</summary>
    public JsonObject Summary(ReviewRecord review)
    {
        var (subject, clientId) = IdempotencyRecordId.Principal(review.Scope);
        // The warnings name words of the arguments, so they go only where the arguments go (and, built from the same
        // redacted arguments, never name a word of a redacted field). The text names where they are, not the words.
        (JsonArray List, bool Truncated)? warnings = _config.Audit.IncludeArguments ? ReviewWarnings.Of(review.ArgumentsJson) : null;
        var summary = new JsonObject
        {
            ["event"] = "review_pending",
            ["review_id"] = review.Id,
            ["environment"] = review.Scope.Environment,
            ["connector"] = review.Scope.Connector,
            ["tool"] = review.Scope.Tool,
            ["principal"] = subject,
            ["client_id"] = clientId,
            ["arguments_sha256"] = review.Fingerprint,
            ["approvals_required"] = review.ApprovalsRequired,
            ["created_at"] = AuditJson.FormatTime(review.CreatedAt),
            ["expires_at"] = AuditJson.FormatTime(review.ExpiresAt),
            ["correlation_id"] = review.CorrelationId,
            // The one member a chat shows as it is, once parsed: a principal's hidden characters are shown as escapes.
            ["text"] = $"Review {review.Id}: {VisibleText.Escape(subject)} wants to call {VisibleText.Escape(review.Scope.Connector)}/{VisibleText.Escape(review.Scope.Tool)}; decide by {AuditJson.FormatTime(review.ExpiresAt)}."
                + (warnings is { } found ? LookAlikes(found.List, found.Truncated) : ""),
        };
        // admin.listen with port 0 names no port a reviewer can open: the address bound stands for it once known.
        if ((Volatile.Read(ref _adminBase) ?? _config.Admin.PublicUrl ?? _config.Admin.Listen) is { } admin
            && !(Uri.TryCreate(admin, UriKind.Absolute, out var adminUri) && adminUri.Port == 0))
        {
            summary["console_url"] = admin.TrimEnd('/') + "/admin/#reviews";
        }

        if (warnings is { } carried)
        {
            summary["arguments"] = JsonNode.Parse(review.ArgumentsJson);
            summary["warnings"] = carried.List;
            summary["warnings_truncated"] = carried.Truncated;
        }

        return summary;
    }

    /// <summary>
    /// The text's note of the words that mix scripts: <c> Look-alike letters (words that mix scripts) in /to, /note, /cc/0
    /// and 2 more: see warnings.</c> It names where they are (the arguments' JSON Pointers, the first
    /// <see cref="TextPaths"/>, each cut at <see cref="TextPathLength"/>, hidden characters as escapes), never the words;
    /// "" when there are none. Only for a summary that carries the arguments: a pointer names their members.
    /// </summary>
    internal static string LookAlikes(JsonArray warnings, bool truncated)
    {
        if (warnings.Count == 0)
        {
            return "";
        }

        var paths = warnings.Select(w => w!["path"]!.GetValue<string>()).Distinct(StringComparer.Ordinal).ToList();
        var where = string.Join(", ", paths.Take(TextPaths).Select(Place));
        var more = paths.Count - TextPaths;
        // Cut at the cap, the list gives a floor of the places past it, and of the words.
        where += more <= 0 ? "" : truncated ? $" and at least {more} more" : $" and {more} more";
        return $" Look-alike letters (words that mix scripts) in {where}{(truncated ? $" (more than {MixedScripts.MaxWarnings} such words)" : "")}: see warnings.";
    }

    private static string Place(string path)
    {
        if (path.Length == 0)
        {
            return "the arguments";
        }

        var cut = path.Length <= TextPathLength ? path : path[..(char.IsHighSurrogate(path[TextPathLength - 1]) ? TextPathLength - 1 : TextPathLength)] + "…";
        return VisibleText.Escape(cut);
    }
}
