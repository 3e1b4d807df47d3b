using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Microsoft.Extensions.Logging;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Security;

/// <summary>
/// The identity provider's signing keys as the gateway trusts them: the set it publishes now. Fetched on first use,
/// again every <see cref="FetchInterval"/> in the background (requests go on with the keys in hand meanwhile), and
/// for a token with an unknown <c>kid</c> while that request waits, at most once every
/// <see cref="LeastUnknownKeyInterval"/>. A set the provider publishes unchanged keeps the keys in use (and with
/// them the kept token verdicts); a failed fetch keeps them too, and is tried again after a backoff.
/// </summary>
/// <remarks>
/// IdentityModel's own manager would keep a withdrawn key trusted (its "last known good" sets of the last hour) and,
/// since 8.x, fetches in the background even when asked to for an unknown key, so the request that asked is refused.
/// </remarks>
internal sealed class ProviderKeys : BaseConfigurationManager, IConfigurationManager<OpenIdConnectConfiguration>, IKeyRefresh
{
    /// <summary>How often the keys are fetched again unasked: the longest a withdrawn key is still trusted.</summary>
    public static readonly TimeSpan FetchInterval = TimeSpan.FromMinutes(5);

    /// <summary>The least time between two fetches for an unknown <c>kid</c>, which any caller can send.</summary>
    public static readonly TimeSpan LeastUnknownKeyInterval = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The longest one fetch may take, and the longest a request with an unknown <c>kid</c> waits for fetches, counted
    /// from when it came or, when it must wait for <see cref="LeastUnknownKeyInterval"/> to pass, from when it has.
    /// </summary>
    private static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan LastRetryDelay = TimeSpan.FromSeconds(10);

    /// <summary>A key document is a few KiB; a larger answer is not a key set.</summary>
    private const int MaxDocumentBytes = 1024 * 1024;

    private const int MaxReasonLength = 300;

    private readonly string _address;
    private readonly IConfigurationRetriever<OpenIdConnectConfiguration> _retriever;
    private readonly HttpDocumentRetriever _documents;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private InUse? _inUse;
    private Task<OpenIdConnectConfiguration?>? _fetch;

    /// <summary>When <see cref="_fetch"/> began: it ends, answered or not, within <see cref="FetchTimeout"/> of it.</summary>
    private DateTimeOffset _fetchBegan;

    /// <summary>How many fetches have begun; the number of the latest is this count.</summary>
    private long _begun;

    /// <summary>The number of the latest fetch that ended, with keys or without (fetches run one at a time).</summary>
    private long _lastEnded;

    /// <summary>Whether the latest fetch that ended failed: the provider did not answer it with keys.</summary>
    private bool _lastFailed;

    /// <summary>When the next fetch is due, in UTC ticks; read without the lock by the fast path.</summary>
    private long _nextFetch;
    private DateTimeOffset _nextUnknownKeyFetch = DateTimeOffset.MinValue;
    private TimeSpan _retryDelay = FirstRetryDelay;

    public ProviderKeys(string address, IConfigurationRetriever<OpenIdConnectConfiguration> retriever, TimeProvider time, ILogger logger)
    {
        _address = address;
        _retriever = retriever;
        _time = time;
        _logger = logger;
        var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = FetchInterval })
        {
            Timeout = FetchTimeout,
            MaxResponseContentBufferSize = MaxDocumentBytes,
        };
        _documents = new HttpDocumentRetriever(http) { RequireHttps = !address.StartsWith("http://", StringComparison.OrdinalIgnoreCase) };
        MetadataAddress = address;
        UseLastKnownGoodConfiguration = false;
    }

    /// <summary>The keys in use; waits for a fetch only while there are none yet.</summary>
    /// <remarks>
    /// Asked for every request whose token verdict is kept (is its key still in use?): until the next fetch is due it
    /// answers a completed task of the keys in use, without the lock or an allocation.
    /// </remarks>
    public Task<OpenIdConnectConfiguration> GetConfigurationAsync(CancellationToken cancel) =>
        _inUse is { } inUse && !FetchDue() ? inUse.Configuration : GetOrFetchAsync(cancel);

    public override Task<BaseConfiguration> GetBaseConfigurationAsync(CancellationToken cancel) =>
        _inUse is { } inUse && !FetchDue() ? inUse.Base : AsBaseAsync(cancel);

    private async Task<BaseConfiguration> AsBaseAsync(CancellationToken cancel) => await GetOrFetchAsync(cancel).ConfigureAwait(false);

    private async Task<OpenIdConnectConfiguration> GetOrFetchAsync(CancellationToken cancel)
    {
        Task<OpenIdConnectConfiguration?>? pending;
        lock (_gate)
        {
            if (_inUse is { } inUse)
            {
                if (FetchDue())
                {
                    StartFetch();
                }

                return inUse.Keys;
            }

            pending = _fetch is { IsCompleted: false } ? _fetch : FetchDue() ? StartFetch() : null;
        }

        var fetched = pending is null ? null : await pending.WaitAsync(cancel).ConfigureAwait(false);
        return fetched ?? throw new InvalidOperationException($"The identity provider's signing keys could not be fetched from {_address}.");
    }

    /// <summary>Starts a fetch for an unknown key unless one ran too recently; the caller does not wait for it.</summary>
    /// <remarks>IdentityModel's token handler asks this after a token's key was not found, before it tries once more.</remarks>
    public override void RequestRefresh()
    {
        lock (_gate)
        {
            StartUnknownKeyFetch();
        }
    }

    public KeyMark Mark => new(_inUse?.Keys, Volatile.Read(ref _begun));

    public bool HasKeys => _inUse is not null;

    /// <remarks>
    /// The sooner of the next unasked fetch (the backoff after a failure) and the next fetch for an unknown <c>kid</c>
    /// (10 s after the last), either of which a request starts; but never before the fetch under way has ended, at the
    /// latest <see cref="FetchTimeout"/> after it began: a request meanwhile waits for that one.
    /// </remarks>
    public TimeSpan UntilNextFetch
    {
        get
        {
            lock (_gate)
            {
                var next = new DateTimeOffset(Volatile.Read(ref _nextFetch), TimeSpan.Zero);
                if (_nextUnknownKeyFetch < next)
                {
                    next = _nextUnknownKeyFetch;
                }

                if (_fetch is { IsCompleted: false } && _fetchBegan + FetchTimeout > next)
                {
                    next = _fetchBegan + FetchTimeout;
                }

                var left = next - _time.GetUtcNow();
                return left > TimeSpan.Zero ? left : TimeSpan.Zero;
            }
        }
    }

    /// <remarks>
    /// Only a fetch begun after <paramref name="validatedAt"/> is sure to have read the keys as the provider publishes
    /// them since the token came: one under way that began before it (the unasked one every five minutes, or another
    /// request's) is waited for, and then one of this request's own is started; when the last for an unknown key is too
    /// recent, the request waits until one may start (or another request's, begun since, ends), and then gives that fetch
    /// its whole <see cref="FetchTimeout"/>. The waiting ends <see cref="FetchTimeout"/> after the token came, or after
    /// the window opened when it had to wait for one (20 s at most), unanswered: never unchanged on keys read before the
    /// token came.
    /// </remarks>
    public async Task<KeyRefreshOutcome> RefreshForUnknownKeyAsync(KeyMark validatedAt)
    {
        var deadline = _time.GetUtcNow() + FetchTimeout;
        while (true)
        {
            Task<OpenIdConnectConfiguration?>? pending;
            var throttled = TimeSpan.Zero;
            lock (_gate)
            {
                if (_lastEnded > validatedAt.FetchesBegun)
                {
                    return Judge(validatedAt, _lastFailed);
                }

                pending = StartUnknownKeyFetch();
                if (pending is null)
                {
                    // No fetch may start yet: an earlier one may still have brought new keys, worth one more try.
                    if (Judge(validatedAt, unanswered: false) == KeyRefreshOutcome.Changed)
                    {
                        return KeyRefreshOutcome.Changed;
                    }

                    // Otherwise the keys in hand were read before the token came, and say nothing of it: the last fetch
                    // may have been for a made-up kid (any caller can send one). The token waits for the next fetch, which
                    // every token waiting joins, so made-up kids cost the provider no more fetches and starve no real one.
                    // Its own time starts when the window opens: waiting for the window must not eat the fetch's.
                    throttled = _nextUnknownKeyFetch - _time.GetUtcNow();
                    if (_nextUnknownKeyFetch + FetchTimeout > deadline)
                    {
                        deadline = _nextUnknownKeyFetch + FetchTimeout;
                    }
                }
            }

            var left = deadline - _time.GetUtcNow();
            if (left <= TimeSpan.Zero || throttled >= left)
            {
                // Not fetched since the token came, and no time left to: unknown whether the provider publishes its key.
                return Judge(validatedAt, unanswered: true);
            }

            try
            {
                if (pending is null)
                {
                    await Task.Delay(throttled > TimeSpan.Zero ? throttled : TimeSpan.Zero, _time).ConfigureAwait(false);
                }
                else
                {
                    await pending.WaitAsync(left, _time).ConfigureAwait(false);
                }
            }
            catch (TimeoutException)
            {
                return Judge(validatedAt, unanswered: true);
            }
        }
    }

    /// <summary>
    /// Changed when the keys in use are other than the ones a token was validated with; else unreachable when the
    /// provider's last answer was a failure (or none came in time), unchanged when it answered.
    /// </summary>
    private KeyRefreshOutcome Judge(KeyMark validatedAt, bool unanswered) =>
        _inUse is { } inUse && !ReferenceEquals(inUse.Keys, validatedAt.Keys) ? KeyRefreshOutcome.Changed
        : unanswered ? KeyRefreshOutcome.Unreachable
        : KeyRefreshOutcome.Unchanged;

    /// <summary>Called under the lock: the fetch under way, or a new one when the last for an unknown key is old enough; null otherwise.</summary>
    private Task<OpenIdConnectConfiguration?>? StartUnknownKeyFetch()
    {
        if (_fetch is { IsCompleted: false } running)
        {
            return running;
        }

        var now = _time.GetUtcNow();
        if (now < _nextUnknownKeyFetch)
        {
            return null;
        }

        _nextUnknownKeyFetch = now + LeastUnknownKeyInterval;
        return StartFetch();
    }

    /// <summary>Called under the lock; the fetch itself runs on the thread pool, never under it.</summary>
    private Task<OpenIdConnectConfiguration?> StartFetch()
    {
        if (_fetch is { IsCompleted: false } running)
        {
            return running;
        }

        var number = Interlocked.Increment(ref _begun);
        _fetchBegan = _time.GetUtcNow();
        _fetch = Task.Run(() => FetchAsync(number));
        return _fetch;
    }

    /// <summary>Fetch number <paramref name="number"/>: the keys it brought (the keys in use), or null when it failed.</summary>
    private async Task<OpenIdConnectConfiguration?> FetchAsync(long number)
    {
        try
        {
            var fetched = await _retriever.GetConfigurationAsync(_address, _documents, CancellationToken.None).ConfigureAwait(false);
            bool changed;
            OpenIdConnectConfiguration current;
            lock (_gate)
            {
                _lastEnded = number;
                _lastFailed = false;
                SetNextFetch(_time.GetUtcNow() + FetchInterval);
                _retryDelay = FirstRetryDelay;
                changed = _inUse is null || !KeySets.Same(_inUse.Keys, fetched);
                if (changed)
                {
                    _inUse = new InUse(fetched);
                }

                current = _inUse!.Keys;
            }

            if (changed)
            {
                Log.SigningKeysFetched(_logger, _address, current.SigningKeys.Count, KeySets.Ids(current));
            }

            return current;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            bool haveKeys;
            TimeSpan delay;
            lock (_gate)
            {
                _lastEnded = number;
                _lastFailed = true;
                delay = _retryDelay;
                _retryDelay = _retryDelay * 2 < LastRetryDelay ? _retryDelay * 2 : LastRetryDelay;
                SetNextFetch(_time.GetUtcNow() + delay);
                haveKeys = _inUse is not null;
            }

            Log.SigningKeysUnavailable(_logger, _address, Reason(ex), haveKeys, delay.TotalSeconds);
            return null;
        }
    }

    private bool FetchDue() => _time.GetUtcNow().UtcTicks >= Volatile.Read(ref _nextFetch);

    /// <summary>Called under the lock; the fast path reads the time without it.</summary>
    private void SetNextFetch(DateTimeOffset at) => Volatile.Write(ref _nextFetch, at.UtcTicks);

    /// <summary>The keys in use, with the completed tasks of them that the fast path hands out.</summary>
    private sealed class InUse(OpenIdConnectConfiguration keys)
    {
        public OpenIdConnectConfiguration Keys { get; } = keys;

        public Task<OpenIdConnectConfiguration> Configuration { get; } = Task.FromResult(keys);

        public Task<BaseConfiguration> Base { get; } = Task.FromResult<BaseConfiguration>(keys);
    }

    /// <summary>The failure in words, without IdentityModel's long wrapping texts: the innermost cause.</summary>
    private static string Reason(Exception ex)
    {
        var inner = ex;
        while (inner.InnerException is { } next)
        {
            inner = next;
        }

        if (inner is TaskCanceledException)
        {
            return $"no answer within {FetchTimeout.TotalSeconds:F0} s";
        }

        // IdentityModel's message for an HTTP error quotes the answer's body: a line of the log is not the place for it.
        var message = $"{inner.GetType().Name}: {inner.Message}";
        return message.Length <= MaxReasonLength ? message : string.Concat(message.AsSpan(0, MaxReasonLength), "…");
    }
}
