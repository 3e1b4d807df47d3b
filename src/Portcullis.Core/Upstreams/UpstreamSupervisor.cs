using System.Collections.Frozen;
using System.Globalization;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Upstreams;

/// <summary>
/// Keeps one long-lived client to a connector's upstream: connects, watches it, and restarts it with
/// exponential backoff and jitter when it dies.
/// </summary>
/// <remarks>
/// A connection that stays up for <see cref="StableAfter"/> counts as healthy: its death restarts at once
/// and the backoff starts over. A connection that dies sooner counts as a failed attempt, so a crash loop
/// backs off instead of spinning.
/// </remarks>
internal sealed partial class UpstreamSupervisor
{
    internal static readonly TimeSpan StableAfter = TimeSpan.FromSeconds(30);

    private readonly string _connector;
    private readonly string _upstream;
    private readonly Func<IClientTransport> _transportFactory;
    private readonly Action<McpClientOptions>? _configureClient;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ResiliencePipeline _restartPipeline;
    private readonly TimeSpan _listTimeout;
    private readonly TimeSpan _pingInterval;
    private readonly long _listLimit;
    private readonly UpstreamToolCache _toolCache = new();
    private readonly TaskCompletionSource _firstAttempt = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _listing = new(1, 1);

    // The upstream announced a change to its tools that could not be listed yet: the catalog is out of date until a list succeeds.
    private volatile bool _toolsOutdated;

    private static readonly TimeSpan FirstRefreshRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRefreshRetry = TimeSpan.FromSeconds(30);
    private volatile McpClient? _client;
    private volatile UpstreamStatus _status = new(UpstreamState.Starting, 0, 0, null, null);

    /// <summary>
    /// Supervises one upstream; <c>upstream</c> is how the log names it (its command line or URL). A tool list that
    /// takes longer than <paramref name="listTimeout"/> (the connect timeout; 30 s when not given) fails: after a
    /// connect, the attempt, which is retried; after a list change, that refresh.
    /// </summary>
    /// <remarks>
    /// A connected upstream is pinged every <paramref name="pingInterval"/> (none when zero or not given), each ping
    /// to be answered within the interval: one that is not makes the status <see cref="UpstreamState.Unresponsive"/>
    /// until one is answered. Nothing is closed for it, as an upstream that answers slowly may still be working.
    /// The tool list is read a page at a time, and a page larger than <paramref name="listLimit"/>
    /// (<c>limits.max_result_bytes</c>; none when not given), or all pages together larger than it, or more than
    /// <see cref="ListPage.MaxPages"/> pages, fail the list as an oversized answer does: the catalog keeps its last list. An
    /// upstream that answers every page with another cursor would otherwise grow the gateway's memory by a page at a
    /// time until the list timed out.
    /// </remarks>
    public UpstreamSupervisor(string connector, Func<IClientTransport> transportFactory, TimeProvider time, ILoggerFactory loggerFactory, Action<McpClientOptions>? configureClient = null, string? upstream = null,
        TimeSpan? listTimeout = null, TimeSpan? pingInterval = null, long? listLimit = null)
    {
        _listLimit = listLimit ?? long.MaxValue;
        _listTimeout = listTimeout ?? TimeSpan.FromSeconds(Configuration.ConfigDefaults.ConnectTimeoutSeconds);
        _pingInterval = pingInterval ?? TimeSpan.Zero;
        _connector = connector;
        _upstream = upstream ?? connector;
        _transportFactory = transportFactory;
        _configureClient = configureClient;
        _time = time;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("Portcullis.Upstream");
        _restartPipeline = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(500),
                MaxDelay = TimeSpan.FromSeconds(30),
                OnRetry = args =>
                {
                    var status = _status;
                    _status = status with
                    {
                        State = UpstreamState.Restarting,
                        NextAttemptAt = _time.GetUtcNow() + args.RetryDelay,
                        LastError = Describe(args.Outcome.Exception),
                    };
                    // One line per attempt; the exception with its stack trace only when debugging.
                    Log.UpstreamUnavailable(_logger, _connector, _upstream, Reason(args.Outcome.Exception!), args.RetryDelay.TotalSeconds);
                    Log.UpstreamUnavailableDetail(_logger, _connector, args.Outcome.Exception!);
                    return default;
                },
            })
            .Build();
    }

    /// <summary>
    /// Given the upstream's full tool list after each connect and each list change, one list at a time: the connector's
    /// catalog rebuild. It calls the action it is given once the catalog built from the list is in place and before it
    /// tells anyone of it: a new connection goes live then, so no call is sent to it under the catalog of the connection
    /// before (a restarted upstream may list other tools), and a client told of the new list finds it live.
    /// </summary>
    public Func<UpstreamToolList, Action, CancellationToken, Task>? ToolsListed { get; set; }

    /// <summary>
    /// Run once each connection is live and its tools listed, with a token that ends with the connection: what the
    /// upstream must hold for the gateway's clients and a new connection (a restarted process, a new session) does not
    /// (the resources they subscribed to). Not waited for by calls; it fails quietly.
    /// </summary>
    public Func<McpClient, CancellationToken, Task>? Connected { get; set; }

    /// <summary>
    /// The upstream announced that its tools changed and the new list could not be read yet (it is tried again with a
    /// growing pause): what the catalog holds may no longer be what the upstream would run, so no tool call is sent.
    /// </summary>
    public bool ToolsOutdated => _toolsOutdated && _client is not null;

    public UpstreamStatus Status => _status;

    /// <summary>The live client, or null while the upstream is down.</summary>
    public McpClient? Client => _client;

    /// <summary>Completes after the first connection attempt failed, or succeeded and its tool list was handed on.</summary>
    public Task FirstAttempt => _firstAttempt.Task;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await _restartPipeline.ExecuteAsync(RunOnceAsync, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            _status = _status with { State = UpstreamState.Stopped, NextAttemptAt = null };
            _firstAttempt.TrySetResult();
        }
    }

    private async ValueTask RunOnceAsync(CancellationToken cancellationToken)
    {
        McpClient client;
        try
        {
            var options = new McpClientOptions { ClientInfo = new Implementation { Name = "portcullis", Version = GatewayVersion.Value } };
            _configureClient?.Invoke(options);
            client = await McpClient.CreateAsync(
                _transportFactory(),
                options,
                _loggerFactory,
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            if (!cancellationToken.IsCancellationRequested)
            {
                CountFailedStart(ex);
            }

            _firstAttempt.TrySetResult();
            throw;
        }

        var startedAt = _time.GetUtcNow();
        await using (client.ConfigureAwait(false))
        {
            // Cancelled as the connection ends, before the subscription is disposed: disposing it waits for a refresh
            // under way, which must not wait on a list this connection will never answer.
            using var connected = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

            // One refresh at a time; announcements that come while one runs are covered by one more after it, so an
            // upstream announcing a thousand times in a burst costs a few listings, not a thousand.
            var toolsChanged = new CoalescedSend(_ => RefreshToolsAsync(client, connected.Token), TimeSpan.Zero, _time);
            await using var subscription = client.RegisterNotificationHandler(
                NotificationMethods.ToolListChangedNotification,
                (_, ct) => toolsChanged.RequestAsync(ct)).ConfigureAwait(false);

            int count;
            await _listing.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var tools = await ListAllToolsAsync(client, cancellationToken).ConfigureAwait(false);
                count = tools.Tools.Count;

                await HandOnAsync(tools, () => GoLive(client), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // This connection is closed as the attempt fails: no call may be sent to it (a write would be taken
                // for sent, and its key marked outcome-unknown).
                _client = null;
                if (!cancellationToken.IsCancellationRequested)
                {
                    CountFailedStart(ex);
                }

                throw;
            }
            finally
            {
                _listing.Release();

                // The first attempt counts as made once the catalog is built, so start-up checks that need
                // the tool list (destructive tools, loosening overlays) see it.
                _firstAttempt.TrySetResult();
            }

            Log.UpstreamConnected(_logger, _connector, client.ServerInfo?.Name ?? "", client.ServerInfo?.Version ?? "", count);

            Exception? failure;
            var pings = _pingInterval > TimeSpan.Zero ? PingAsync(client, connected.Token) : Task.CompletedTask;
            var restoring = Connected?.Invoke(client, connected.Token) ?? Task.CompletedTask;
            try
            {
                failure = (await client.Completion.WaitAsync(cancellationToken).ConfigureAwait(false)).Exception;
            }
            finally
            {
                _client = null;
                await connected.CancelAsync().ConfigureAwait(false);
                await pings.ConfigureAwait(false);
                await restoring.ConfigureAwait(false);
            }

            _status = _status with
            {
                State = UpstreamState.Restarting,
                Restarts = _status.Restarts + 1,
                NextAttemptAt = _time.GetUtcNow(),
                LastError = Describe(failure) ?? UpstreamFailure.Said("connection closed"),
            };
            var reason = failure is null ? "connection closed" : Reason(failure);
            var uptime = _time.GetUtcNow() - startedAt;
            if (uptime < StableAfter)
            {
                // Counts as a failed attempt: the retry logs it, with the delay before the next one.
                throw new UpstreamExitedException(string.Create(CultureInfo.InvariantCulture, $"exited {uptime.TotalSeconds:0.0} s after connecting: {reason}"));
            }

            Log.UpstreamExited(_logger, _connector, uptime.TotalSeconds, reason);
        }
    }

    /// <summary>
    /// Pings the connected upstream every interval until <paramref name="cancellationToken"/> ends the connection: a
    /// ping not answered within the interval (or not delivered) marks it unresponsive, the next one answered marks it
    /// connected again. An error answer is an answer; a broken connection ends in <see cref="McpClient.Completion"/>.
    /// </summary>
    private async Task PingAsync(McpClient client, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_pingInterval, _time);
        DateTimeOffset? silentSince = null;
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                using var bounded = new CancellationTokenSource(_pingInterval, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(bounded.Token, cancellationToken);
                bool answered;
                try
                {
                    await client.PingAsync(cancellationToken: linked.Token).ConfigureAwait(false);
                    answered = true;
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    answered = false;
                }
                catch (McpProtocolException)
                {
                    answered = true;
                }
                catch (Exception) when (!cancellationToken.IsCancellationRequested)
                {
                    // Not reached (an HTTP upstream that is stopped, or a proxy's 5xx): no answer either. A stdio
                    // connection that broke ends through Completion, which cancels this loop.
                    answered = false;
                }

                if (!answered && silentSince is null)
                {
                    silentSince = _time.GetUtcNow() - _pingInterval;
                    _status = _status with { State = UpstreamState.Unresponsive, LastError = UpstreamFailure.Said("no answer to a ping") };
                    Log.UpstreamUnresponsive(_logger, _connector, (int)_pingInterval.TotalSeconds);
                }
                else if (answered && silentSince is { } since)
                {
                    silentSince = null;
                    _status = _status with { State = UpstreamState.Connected, LastError = null };
                    Log.UpstreamResponsive(_logger, _connector, (_time.GetUtcNow() - since).TotalSeconds);
                }
            }
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // The connection ended while a ping was under way: whatever the ping threw, it is over.
        }
    }

    /// <summary>The upstream said its list changed: list again and rebuild, after any list under way.</summary>
    /// <remarks>
    /// A list that fails leaves the tools outdated (<see cref="ToolsOutdated"/>) and is tried again, with a growing
    /// pause, for as long as this connection lasts; a new connection lists anew.
    /// </remarks>
    private async ValueTask RefreshToolsAsync(McpClient client, CancellationToken cancellationToken)
    {
        var pause = FirstRefreshRetry;
        while (true)
        {
            await _listing.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // Set as this connection's first list is handed on, under the same lock, and cleared as it ends: a refresh
                // announced during the first list runs after it; one on a connection that is over does nothing.
                if (!ReferenceEquals(_client, client))
                {
                    return;
                }

                var tools = await ListAllToolsAsync(client, cancellationToken).ConfigureAwait(false);
                await HandOnAsync(tools, () => _toolsOutdated = false, cancellationToken).ConfigureAwait(false);
                Log.ToolsRefreshed(_logger, _connector, tools.Tools.Count);
                return;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                if (!ReferenceEquals(_client, client))
                {
                    // The connection ended under the list: the next one lists anew.
                    return;
                }

                // Still under the lock: a new connection's first list, which clears the flag, comes after this.
                _toolsOutdated = true;
                Log.ToolsRefreshFailed(_logger, _connector, (int)pause.TotalSeconds, ex);
            }
            finally
            {
                _listing.Release();
            }

            try
            {
                await Task.Delay(pause, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, MaxRefreshRetry.Ticks));
        }
    }

    /// <summary>Hands the list on; <paramref name="inPlace"/> runs once its catalog is in place (at the latest as it returns).</summary>
    private async Task HandOnAsync(UpstreamToolList tools, Action inPlace, CancellationToken cancellationToken)
    {
        if (ToolsListed is { } listed)
        {
            await listed(tools, inPlace, cancellationToken).ConfigureAwait(false);
        }

        inPlace();
    }

    /// <summary>Makes <paramref name="client"/> the connection calls are sent to, its tools current.</summary>
    private void GoLive(McpClient client)
    {
        _toolsOutdated = false;
        _client = client;
        _status = _status with { State = UpstreamState.Connected, NextAttemptAt = null, LastError = null };
    }

    /// <remarks>
    /// An upstream that never finishes its list (every page) within the list timeout would otherwise hold the listing,
    /// and with it the connector, forever: the connector's first list, and every refresh after it.
    /// </remarks>
    private async Task<UpstreamToolList> ListAllToolsAsync(McpClient client, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(_listTimeout, _time);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            var tools = await ListPagesAsync(client, _listLimit, bounded.Token).ConfigureAwait(false);
            var rejected = _toolCache.Replace(client, tools);
            if (rejected.Count > 0)
            {
                // One line a list, however many: the names and reasons are the upstream's words.
                var (tool, reason) = rejected[0];
                Log.ToolHeaderAnnotationsInvalid(_logger, _connector, rejected.Count, LogText.Safe(tool, 128), LogText.Safe(reason, 300));
            }

            return new UpstreamToolList(tools) { HeadersInvalid = rejected.Select(r => r.Tool).ToFrozenSet(StringComparer.Ordinal) };
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"the upstream did not list its tools within {_listTimeout.TotalSeconds:0.#} s"));
        }
    }

    /// <summary>
    /// Every page of the tool list, each held to <paramref name="limit"/> once the SDK has read it, and all of them
    /// together too: the gateway answers its own <c>tools/list</c> in one page.
    /// </summary>
    private async Task<IReadOnlyList<Tool>> ListPagesAsync(McpClient client, long limit, CancellationToken cancellationToken)
    {
        try
        {
            return await ListPage.ReadAllAsync(client, ListKinds.Tools, limit, cancellationToken).ConfigureAwait(false);
        }
        catch (UpstreamAnswerTooLargeException ex) when (ex.List is { } list)
        {
            if (list == AnswerTooLargeList.Whole)
            {
                Log.ToolListTooLarge(_logger, _connector, limit, ListPage.MaxPages);
            }
            else
            {
                Log.ToolListPageTooLarge(_logger, _connector, limit);
            }

            throw;
        }
    }

    /// <summary>
    /// For the log: each distinct message of the exception chain, without stack frames. A launch or exit reason is the
    /// gateway's own wording; another failure (a refused connection, a child that died on start-up) is its own message.
    /// </summary>
    private static string Reason(Exception exception) => UpstreamErrorText.Chain(exception);

    /// <summary>
    /// For the status endpoints: the same words, shortened and without anything that may be a credential. An attempt
    /// refused by the HTTP upstream's open circuit breaker keeps the failure before it, the one that opened the circuit:
    /// "the circuit is open" alone would hide from an operator why the upstream is down until the circuit closes.
    /// </summary>
    private UpstreamFailure? Describe(Exception? exception) =>
        exception is null ? null
        : IsOpenCircuit(exception) && _status.LastError is { } cause ? cause
        : UpstreamFailure.Of(exception);

    private static bool IsOpenCircuit(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is BrokenCircuitException)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// An attempt failed before the upstream was connected with its tools listed; the retry starts it again. Counted
    /// here, as it fails, as a lost connection is counted where it ends (a never-starting upstream showed 0 restarts).
    /// </summary>
    private void CountFailedStart(Exception exception)
    {
        var status = _status;
        _status = status with
        {
            Restarts = status.Restarts + 1,
            FailedStarts = status.FailedStarts + 1,
            LastError = Describe(exception),
        };
    }
}
