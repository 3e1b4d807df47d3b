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

    public void Saw(string? authorization) => _authorizations.Enqueue(authorization ?? "");

    public string[] Authorizations() => [.. _authorizations];
}

internal sealed record ControlRequest(string Mode, int? RetryAfterSeconds);
