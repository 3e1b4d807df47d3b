using System.Collections.Concurrent;

namespace Portcullis.Fixtures.Upstream;

/// <summary>What the HTTP fixture should do to the next requests: answer normally, 429, or 500.</summary>
internal sealed class HttpBehaviour
{
    private readonly ConcurrentQueue<string> _authorizations = new();

    public volatile string Mode = "normal";

    public volatile int RetryAfterSeconds = 7;

    private int _redirectsFollowed;

    private int _streamsOpened;

    private int _loopRedirects;

    /// <summary>Tool calls the fixture answered with a redirect in the <c>redirect_loop</c> mode.</summary>
    public int LoopRedirects => Volatile.Read(ref _loopRedirects);

    public void LoopRedirected() => Interlocked.Increment(ref _loopRedirects);

    /// <summary>GET requests (the client's event streams) the fixture answered in the <c>get_retry0</c> mode.</summary>
    public int StreamsOpened => Volatile.Read(ref _streamsOpened);

    public void StreamOpened() => Interlocked.Increment(ref _streamsOpened);

    /// <summary>Requests that followed a <c>redirect</c> answer to <c>/redirected</c>.</summary>
    public int RedirectsFollowed => Volatile.Read(ref _redirectsFollowed);

    public IResult Followed()
    {
        Interlocked.Increment(ref _redirectsFollowed);
        return Results.Ok();
    }

    public IResult Set(ControlRequest request)
    {
        Mode = request.Mode;
        RetryAfterSeconds = request.RetryAfterSeconds ?? RetryAfterSeconds;
        return Results.Ok();
    }

    private readonly ConcurrentQueue<string> _calls = new();

    private readonly ConcurrentQueue<string> _cancelled = new();

    /// <summary>Notes the id of a tools/call, or the request id of a notifications/cancelled, as its JSON text.</summary>
    public void Observe(System.Text.Json.JsonElement message)
    {
        if (message.ValueKind != System.Text.Json.JsonValueKind.Object || !message.TryGetProperty("method", out var method))
        {
            return;
        }

        if (method.ValueEquals("tools/call") && message.TryGetProperty("id", out var id))
        {
            _calls.Enqueue(id.GetRawText());
        }
        else if (method.ValueEquals("notifications/cancelled") && message.TryGetProperty("params", out var parameters)
            && parameters.ValueKind == System.Text.Json.JsonValueKind.Object && parameters.TryGetProperty("requestId", out var requestId))
        {
            _cancelled.Enqueue(requestId.GetRawText());
        }
    }

    private int _heldCancellations;

    /// <summary>notifications/cancelled POSTs the fixture held unanswered in the <c>cancelled_hang</c> mode.</summary>
    public int HeldCancellations => Volatile.Read(ref _heldCancellations);

    public void HeldCancellation() => Interlocked.Increment(ref _heldCancellations);

    /// <summary>The ids of the tools/call requests received, and the request ids notifications/cancelled named, in order.</summary>
    public IResult Cancellations() => Results.Json(new { calls = _calls.ToArray(), cancelled = _cancelled.ToArray(), held = HeldCancellations });

    public void Saw(string? authorization) => _authorizations.Enqueue(authorization ?? "");

    public string[] Authorizations() => [.. _authorizations];
}

internal sealed record ControlRequest(string Mode, int? RetryAfterSeconds);
