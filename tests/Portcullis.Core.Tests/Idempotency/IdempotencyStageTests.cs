using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Configuration;
using Portcullis.Core.Connectors;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Errors;
using Portcullis.Core.Idempotency;
using Portcullis.Core.Pipeline;
using Portcullis.Core.Pipeline.Stages;
using Portcullis.Core.Security;
using Portcullis.Core.Tools;
using Portcullis.Core.Upstreams;
using Portcullis.Stores.Sqlite;

namespace Portcullis.Core.Tests.Idempotency;

/// <summary>The stage's decisions against the real SQLite store, with the upstream replaced by fault injection.</summary>
public sealed class IdempotencyStageTests : IDisposable
{
    /// <summary>Ends any await that takes longer than a test allows.</summary>
    private static CancellationToken Deadline => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    private static readonly CallerIdentity Alice = new("alice", null, new HashSet<string>(StringComparer.Ordinal));
    private static readonly CallerIdentity Bob = new("bob", null, new HashSet<string>(StringComparer.Ordinal));
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "portcullis-tests", "stage-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly SqliteIdempotencyStore _store;
    private readonly IdempotencyStage _stage;
    private readonly GatewayConfig _config;
    private readonly Portcullis.Core.Review.ReviewGate _reviews;
    private readonly GatewayTelemetry _telemetry;
    private readonly Connector _connector;
    private readonly GatewayTool _write;
    private readonly GatewayTool _read;
    private int _upstreamCalls;

    public IdempotencyStageTests()
    {
        Directory.CreateDirectory(_dir);
        var config = new GatewayConfig { Environment = "prod", Idempotency = new IdempotencyConfig { RetentionHours = 24, LeaseSeconds = 300 } };
        var store = _store = new SqliteIdempotencyStore(Path.Combine(_dir, "idempotency.db"), TimeSpan.FromSeconds(30));
        var telemetry = Diagnostics.TestTelemetry.Create();
        var recorder = new Portcullis.Core.Audit.DecisionRecorder(
            new Portcullis.Core.Audit.AuditTrail(config, null, telemetry, _time, NullLogger<Portcullis.Core.Audit.AuditTrail>.Instance), telemetry, config, _time, NullLogger<Portcullis.Core.Audit.DecisionRecorder>.Instance);
        var reviews = new Portcullis.Core.Review.ReviewGate(store, config, recorder,
            new Portcullis.Core.Review.ReviewNotifier(new NoHttp(), config, _time, NullLogger<Portcullis.Core.Review.ReviewNotifier>.Instance), _time, NullLogger<Portcullis.Core.Review.ReviewGate>.Instance);
        (_config, _reviews, _telemetry) = (config, reviews, telemetry);
        _stage = new IdempotencyStage(store, config, reviews, new UnsettledClaims(store, _time, NullLogger<UnsettledClaims>.Instance), _time, telemetry, NullLogger<IdempotencyStage>.Instance);
        var supervisor = new UpstreamSupervisor("crm", () => throw new InvalidOperationException("never connected"), _time, NullLoggerFactory.Instance);
        _connector = new Connector(new ConnectorConfig { Server = "crm", Environment = "prod" }, supervisor, new Portcullis.Core.Relay.ConnectorRelay("crm", TimeProvider.System, NullLogger.Instance), new ToolSchemaBuilder(new Portcullis.Core.Schemas.SchemaCache()), Portcullis.Core.Pins.PinRegistry.Off(), NullLogger.Instance);
        var schemas = new ToolSchemaBuilder(new Portcullis.Core.Schemas.SchemaCache());
        var schema = JsonDocument.Parse("""{"type":"object","properties":{"body":{"type":"string"}}}""").RootElement.Clone();
        _write = schemas.Build(new Tool { Name = "add_note", InputSchema = schema, Annotations = new ToolAnnotations { ReadOnlyHint = false } }, null, hintsPinned: true);
        _read = schemas.Build(new Tool { Name = "find_contact", InputSchema = schema, Annotations = new ToolAnnotations { ReadOnlyHint = true } }, null, hintsPinned: true);
    }

    public void Dispose()
    {
        _store.Dispose();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Invoke_ReadOnlyTool_SkipsTheKeyButMarksPassed()
    {
        var context = Context(_read, Alice, """{"body":"x"}""");

        var result = await _stage.InvokeAsync(context, Answer("found"), Deadline);

        Assert.Equal("found", Text(result));
        Assert.True(context.Passed.HasFlag(PassedStages.IdempotencyChecked));
        Assert.Equal(1, _upstreamCalls);
    }

    [Fact]
    public async Task Invoke_NoAuthorizedTool_LeavesTheStageUnpassed()
    {
        var context = new ToolCallContext(_connector, Alice, "add_note", null, "c");

        await _stage.InvokeAsync(context, Answer("forwarder decides"), Deadline);

        Assert.False(context.Passed.HasFlag(PassedStages.IdempotencyChecked));
    }

    [Fact]
    public async Task Invoke_WriteWithoutKey_RefusedAndNeverForwarded()
    {
        var context = Context(_write, Alice, """{"body":"x"}""");

        await _stage.InvokeAsync(context, Answer("done"), Deadline);

        Assert.Equal("idempotency_key_missing", context.Failure!.Code.Code);
        Assert.False(context.Passed.HasFlag(PassedStages.IdempotencyChecked));
        Assert.Equal(0, _upstreamCalls);
    }

    [Fact]
    public async Task Invoke_FailureBeforeSending_ReleasesTheKeySoARetryRuns()
    {
        var refused = Context(_write, Alice, """{"body":"x","idempotency_key":"k"}""");
        await _stage.InvokeAsync(refused, FailBeforeSending(), Deadline);

        var retry = Context(_write, Alice, """{"body":"x","idempotency_key":"k"}""");
        var result = await _stage.InvokeAsync(retry, Answer("done"), Deadline);

        Assert.Equal("upstream_unavailable", refused.Failure!.Code.Code);
        Assert.Equal("done", Text(result));
        Assert.Equal(2, _upstreamCalls);
    }

    /// <summary>
    /// Before, a claim the store made but whose answer was lost held the key for a call that never ran: in-progress
    /// for the lease, then outcome-unknown for good. Now it is released by its token and the retry runs, once.
    /// </summary>
    [Fact]
    public async Task Invoke_ClaimAnswerLost_TheClaimIsReleasedSoTheRetryRunsOnce()
    {
        await using var losing = LosingStage();
        losing.Store.LoseNextClaimAnswer = true;
        await Assert.ThrowsAsync<IOException>(() => losing.Stage.InvokeAsync(Context(_write, Alice, """{"body":"x","idempotency_key":"lost"}"""), Answer("never"), Deadline).AsTask());
        Assert.Equal(0, _upstreamCalls);

        var (retry, result) = await RetryWhileInProgressAsync(losing.Stage, """{"body":"x","idempotency_key":"lost"}""", Answer("done"));

        Assert.Null(retry.Failure);
        Assert.Equal("done", Text(result));
        Assert.Equal(1, _upstreamCalls);
    }

    /// <summary>Before, a call refused before sending whose release failed left its key to turn outcome-unknown.</summary>
    [Fact]
    public async Task Invoke_ReleaseFailsAfterAFailureBeforeSending_IsReleasedLaterSoTheRetryRuns()
    {
        await using var losing = LosingStage();
        losing.Store.FailNextRelease = true;
        var refused = Context(_write, Alice, """{"body":"x","idempotency_key":"unreleased"}""");
        await losing.Stage.InvokeAsync(refused, FailBeforeSending(), Deadline);
        Assert.Equal("upstream_unavailable", refused.Failure!.Code.Code);

        var (retry, result) = await RetryWhileInProgressAsync(losing.Stage, """{"body":"x","idempotency_key":"unreleased"}""", Answer("done"));

        Assert.Null(retry.Failure);
        Assert.Equal("done", Text(result));
        Assert.Equal(2, _upstreamCalls);
    }

    /// <summary>
    /// Before, a write that completed while the store was down answered in-progress ("still running") to every retry and
    /// outcome-unknown for good after its lease, although the gateway had its result.
    /// </summary>
    [Fact]
    public async Task Invoke_CompletionFailsAfterTheWriteRan_TheResultIsStoredLaterAndReplayed()
    {
        await using var losing = LosingStage();
        losing.Store.FailNextComplete = true;
        var first = Context(_write, Alice, """{"body":"x","idempotency_key":"unrecorded"}""");
        var answered = await losing.Stage.InvokeAsync(first, Answer("did write"), Deadline);
        Assert.Null(first.Failure);
        Assert.Equal("did write", Text(answered));

        var (retry, result) = await RetryWhileInProgressAsync(losing.Stage, """{"body":"x","idempotency_key":"unrecorded"}""", Answer("twice"));

        Assert.Null(retry.Failure);
        Assert.True(retry.Replayed);
        Assert.Equal("did write", Text(result));
        Assert.Equal(1, _upstreamCalls);
    }

    /// <summary>Before, a write that failed after it was sent while the store was down answered in-progress until its lease ended.</summary>
    [Fact]
    public async Task Invoke_MarkingUnknownFailsAfterSending_IsMarkedLaterAndNeverRepeated()
    {
        await using var losing = LosingStage();
        losing.Store.FailNextMarkUnknown = true;
        await losing.Stage.InvokeAsync(Context(_write, Alice, """{"body":"x","idempotency_key":"unmarked"}"""), TimeOutAfterSending(), Deadline);

        var (retry, _) = await RetryWhileInProgressAsync(losing.Stage, """{"body":"x","idempotency_key":"unmarked"}""", Answer("twice"));

        Assert.Equal("idempotency_outcome_unknown", retry.Failure!.Code.Code);
        Assert.Equal(1, _upstreamCalls);
    }

    [Fact]
    public async Task Invoke_GatewayErrorAfterSending_IsOutcomeUnknownAndNeverRepeated()
    {
        await _stage.InvokeAsync(Context(_write, Alice, """{"body":"x","idempotency_key":"k"}"""), TimeOutAfterSending(), Deadline);

        var repeat = Context(_write, Alice, """{"body":"x","idempotency_key":"k"}""");
        await _stage.InvokeAsync(repeat, Answer("done"), Deadline);

        Assert.Equal("idempotency_outcome_unknown", repeat.Failure!.Code.Code);
        Assert.False(repeat.Failure.Code.Retryable);
        Assert.Equal(1, _upstreamCalls);
    }

    [Fact]
    public async Task Invoke_CancelledAfterSending_IsOutcomeUnknown()
    {
        ToolCallHandler cancelled = (context, _) =>
        {
            _upstreamCalls++;
            context.SentUpstream = true;
            throw new OperationCanceledException();
        };
        await Assert.ThrowsAsync<OperationCanceledException>(() =>
            _stage.InvokeAsync(Context(_write, Alice, """{"body":"x","idempotency_key":"k"}"""), cancelled, Deadline).AsTask());

        var repeat = Context(_write, Alice, """{"body":"x","idempotency_key":"k"}""");
        await _stage.InvokeAsync(repeat, Answer("done"), Deadline);

        Assert.Equal("idempotency_outcome_unknown", repeat.Failure!.Code.Code);
        Assert.Equal(1, _upstreamCalls);
    }

    [Fact]
    public async Task Invoke_WhileFirstIsInFlight_AnswersInProgressWithRetryAfter()
    {
        var release = new TaskCompletionSource();
        ToolCallHandler slow = async (context, _) =>
        {
            _upstreamCalls++;
            context.SentUpstream = true;
            await release.Task;
            return new CallToolResult { Content = [new TextContentBlock { Text = "done" }] };
        };
        var first = _stage.InvokeAsync(Context(_write, Alice, """{"body":"x","idempotency_key":"k"}"""), slow, Deadline).AsTask();

        var repeat = Context(_write, Alice, """{"body":"x","idempotency_key":"k"}""");
        await _stage.InvokeAsync(repeat, Answer("twice"), Deadline);
        release.SetResult();
        await first.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("idempotency_in_progress", repeat.Failure!.Code.Code);
        Assert.True(repeat.Failure.Code.Retryable);
        Assert.InRange(repeat.Failure.RetryAfterSeconds!.Value, 1, 5);
        Assert.Equal(1, _upstreamCalls);
    }

    [Fact]
    public async Task Invoke_TwoPrincipalsWithOneKey_DoNotCollide()
    {
        var alice = await _stage.InvokeAsync(Context(_write, Alice, """{"body":"alice's","idempotency_key":"k"}"""), Answer("a"), Deadline);
        var bob = await _stage.InvokeAsync(Context(_write, Bob, """{"body":"bob's","idempotency_key":"k"}"""), Answer("b"), Deadline);
        var aliceAgain = await _stage.InvokeAsync(Context(_write, Alice, """{"body":"alice's","idempotency_key":"k"}"""), Answer("x"), Deadline);

        Assert.Equal("a", Text(alice));
        Assert.Equal("b", Text(bob));
        Assert.Equal("a", Text(aliceAgain));
        Assert.True(aliceAgain.Meta!["portcullis/replay"]!.GetValue<bool>());
        Assert.Equal(2, _upstreamCalls);
    }

    [Fact]
    public async Task Invoke_AfterRetention_TheKeyIsFreeAgain()
    {
        await _stage.InvokeAsync(Context(_write, Alice, """{"body":"x","idempotency_key":"k"}"""), Answer("first"), Deadline);
        _time.Advance(TimeSpan.FromHours(23));
        var within = Context(_write, Alice, """{"body":"y","idempotency_key":"k"}""");
        await _stage.InvokeAsync(within, Answer("refused"), Deadline);

        _time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        var after = await _stage.InvokeAsync(Context(_write, Alice, """{"body":"y","idempotency_key":"k"}"""), Answer("second"), Deadline);

        Assert.Equal("idempotency_key_reused", within.Failure!.Code.Code);
        Assert.Equal("second", Text(after));
        Assert.Equal(2, _upstreamCalls);
    }

    [Fact]
    public async Task Invoke_LeaseExpiredWithoutOutcome_IsOutcomeUnknown()
    {
        var never = new TaskCompletionSource<CallToolResult>();
        var sent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ToolCallHandler hangs = (context, _) =>
        {
            _upstreamCalls++;
            context.SentUpstream = true;
            sent.TrySetResult();
            return new ValueTask<CallToolResult>(never.Task);
        };
        _ = _stage.InvokeAsync(Context(_write, Alice, """{"body":"x","idempotency_key":"k"}"""), hangs, Deadline);
        await sent.Task.WaitAsync(TimeSpan.FromSeconds(30));
        _time.Advance(TimeSpan.FromSeconds(301));

        var repeat = Context(_write, Alice, """{"body":"x","idempotency_key":"k"}""");
        await _stage.InvokeAsync(repeat, Answer("twice"), Deadline);

        Assert.Equal("idempotency_outcome_unknown", repeat.Failure!.Code.Code);
        Assert.Equal(1, _upstreamCalls);
    }

    [Fact]
    public async Task Invoke_StripsTheKeyBeforeForwarding()
    {
        IDictionary<string, JsonElement>? forwarded = null;
        ToolCallHandler capture = (context, _) =>
        {
            forwarded = context.Arguments;
            return ValueTask.FromResult(new CallToolResult { Content = [] });
        };

        await _stage.InvokeAsync(Context(_write, Alice, """{"body":"x","idempotency_key":"k"}"""), capture, Deadline);

        Assert.Equal(["body"], forwarded!.Keys);
    }

    /// <summary>A stage over the SQLite store seen through <see cref="LosingStore"/>, and its settler running on the real clock.</summary>
    private LosingHarness LosingStage()
    {
        var store = new LosingStore(_store);
        var unsettled = new UnsettledClaims(store, TimeProvider.System, NullLogger<UnsettledClaims>.Instance);
        var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stage = new IdempotencyStage(store, _config, _reviews, unsettled, _time, _telemetry, NullLogger<IdempotencyStage>.Instance);
        return new LosingHarness(stage, store, unsettled.RunAsync(stop.Token), stop);
    }

    /// <summary>Retries with the same key while it answers in-progress (its claim not yet settled), as a client told to retry does.</summary>
    private async Task<(ToolCallContext Retry, CallToolResult Result)> RetryWhileInProgressAsync(IdempotencyStage stage, string arguments, ToolCallHandler upstream)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(30); ; await Task.Delay(50))
        {
            var retry = Context(_write, Alice, arguments);
            var result = await stage.InvokeAsync(retry, upstream, Deadline);
            if (retry.Failure?.Code.Code != "idempotency_in_progress" || DateTime.UtcNow > deadline)
            {
                return (retry, result);
            }
        }
    }

    /// <summary>
    /// A key stored before a long integer literal had a fingerprint of its own, retried after the upgrade: before, the
    /// retry was <c>idempotency_key_reused</c> for the key's whole retention, and an agent told so acts again under a new
    /// key. Now a completed call is replayed, one in flight or of unknown outcome answered so; nothing is sent.
    /// </summary>
    [Theory]
    [InlineData("completed", null)]
    [InlineData("in_progress", "idempotency_in_progress")]
    [InlineData("outcome_unknown", "idempotency_outcome_unknown")]
    public async Task Invoke_RetryOfAKeyStoredBeforeIntegerSpelling_AnswersItsCall_NeverSends(string stored, string? code)
    {
        const string arguments = """{"body":"x","id":1234567890123456789,"idempotency_key":"k"}""";
        var token = await StoreAsBeforeIntegerSpelling(arguments);
        if (stored == "completed")
        {
            Assert.True(await _store.CompleteAsync(Scope("k"), token, """{"content":[{"type":"text","text":"deleted before"}]}""", _time.GetUtcNow(), Deadline));
        }
        else if (stored == "outcome_unknown")
        {
            Assert.True(await _store.MarkUnknownAsync(Scope("k"), token, _time.GetUtcNow(), Deadline));
        }

        var retry = Context(_write, Alice, arguments);
        var result = await _stage.InvokeAsync(retry, Answer("deleted again"), Deadline);

        Assert.Equal(code, retry.Failure?.Code.Code);
        if (code is null)
        {
            Assert.Equal("deleted before", Text(result));
            Assert.True(retry.Replayed);
        }

        Assert.Equal(0, _upstreamCalls);
    }

    /// <summary>The earlier fingerprint only answers: another call's key stays <c>idempotency_key_reused</c>, and a key freed meanwhile is not taken by it.</summary>
    [Fact]
    public async Task Invoke_EarlierFingerprintOfOtherArguments_StaysReused_AndTakesNothing()
    {
        var token = await StoreAsBeforeIntegerSpelling("""{"body":"other","id":1234567890123456789,"idempotency_key":"k"}""");
        await _store.CompleteAsync(Scope("k"), token, "{}", _time.GetUtcNow(), Deadline);

        var retry = Context(_write, Alice, """{"body":"x","id":1234567890123456789,"idempotency_key":"k"}""");
        await _stage.InvokeAsync(retry, Answer("done"), Deadline);

        Assert.Equal("idempotency_key_reused", retry.Failure!.Code.Code);
        Assert.Equal(0, _upstreamCalls);
        Assert.Equal(IdempotencyState.Completed, (await _store.GetAsync(Scope("k"), _time.GetUtcNow(), TimeSpan.FromHours(24), Deadline))!.State);
    }

    /// <summary>
    /// A call stored since, with a long integer written as a decimal, is not the call its retry in the integer spelling
    /// asks for (Python reads them as two numbers). Before, the retry was answered with that call's result, its own never run.
    /// </summary>
    [Fact]
    public async Task Invoke_RetryInTheIntegerSpellingOfACallStoredSinceInTheDecimalOne_IsReusedNeverItsResult()
    {
        var first = Context(_write, Alice, """{"body":"x","id":1.234567890123456789e18,"idempotency_key":"k"}""");
        await _stage.InvokeAsync(first, Answer("deleted 1234567890123456768"), Deadline);

        var retry = Context(_write, Alice, """{"body":"x","id":1234567890123456789,"idempotency_key":"k"}""");
        var result = await _stage.InvokeAsync(retry, Answer("deleted 1234567890123456789"), Deadline);

        Assert.Null(first.Failure);
        Assert.False(retry.Replayed, Text(result));
        Assert.Equal("idempotency_key_reused", retry.Failure?.Code.Code);
        Assert.Equal(1, _upstreamCalls);
    }

    /// <summary>
    /// A key freed between the retry's claim and its claim under the earlier fingerprint is taken under that one and given
    /// back at once. Before, when the store failed that give-back, the call failed as <c>internal</c> and the key stayed
    /// held for a call never sent: in progress for the lease, then outcome-unknown for good.
    /// </summary>
    [Fact]
    public async Task Invoke_GiveBackUnderTheEarlierFingerprintFails_IsGivenBackLaterSoTheRetryRuns()
    {
        const string arguments = """{"body":"x","id":1234567890123456789,"idempotency_key":"k"}""";
        await using var losing = LosingStage();
        var other = await _store.TryClaimAsync(new IdempotencyClaimRequest(Scope("k"), "another call", "c-other", _time.GetUtcNow(), TimeSpan.FromMinutes(5), TimeSpan.FromHours(24)), Deadline);
        losing.Store.AfterNextClaim = () => _store.ReleaseAsync(Scope("k"), other.Token!, Deadline);
        losing.Store.FailNextRelease = true;

        var first = Context(_write, Alice, arguments);
        await losing.Stage.InvokeAsync(first, Answer("never"), Deadline);
        Assert.Equal("idempotency_key_reused", first.Failure?.Code.Code);

        // Retried once the key is given back: a retry racing the give-back is told reused, as the first call was.
        for (var deadline = DateTime.UtcNow.AddSeconds(30); await _store.GetAsync(Scope("k"), _time.GetUtcNow(), TimeSpan.FromHours(24), Deadline) is not null;)
        {
            Assert.True(DateTime.UtcNow < deadline, "the claim under the earlier fingerprint was never given back");
            await Task.Delay(50);
        }

        var retry = Context(_write, Alice, arguments);
        var result = await losing.Stage.InvokeAsync(retry, Answer("done"), Deadline);

        Assert.Null(retry.Failure);
        Assert.Equal("done", Text(result));
        Assert.Equal(1, _upstreamCalls);
    }

    private static IdempotencyScope Scope(string key) => new("prod", "crm", Alice.Key, "add_note", key);

    /// <summary>Claims the key as a gateway before 2026-12-05 did, under the fingerprint it computed then; returns the claim's token.</summary>
    private async Task<string> StoreAsBeforeIntegerSpelling(string arguments)
    {
        var parsed = JsonDocument.Parse(arguments).RootElement.EnumerateObject().Where(p => p.Name != "idempotency_key").Select(p => KeyValuePair.Create(p.Name, p.Value.Clone()));
        var earlier = Fingerprint.ComputeAsBeforeIntegerSpelling(parsed)!;
        Assert.NotEqual(Fingerprint.Compute(parsed), earlier);
        var claim = await _store.TryClaimAsync(new IdempotencyClaimRequest(Scope("k"), earlier, "c-before", _time.GetUtcNow(), TimeSpan.FromMinutes(5), TimeSpan.FromHours(24)), Deadline);
        Assert.Equal(ClaimStatus.Claimed, claim.Status);
        return claim.Token!;
    }

    private ToolCallContext Context(GatewayTool tool, CallerIdentity caller, string arguments)
    {
        var parsed = JsonDocument.Parse(arguments).RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
        return new ToolCallContext(_connector, caller, tool.Name, parsed, Guid.NewGuid().ToString("N")) { Tool = tool };
    }

    private ToolCallHandler Answer(string text) => (context, _) =>
    {
        _upstreamCalls++;
        context.SentUpstream = true;
        return ValueTask.FromResult(new CallToolResult { Content = [new TextContentBlock { Text = text }] });
    };

    private ToolCallHandler FailBeforeSending() => (context, _) =>
    {
        _upstreamCalls++;
        return ValueTask.FromResult(context.Fail(CallStage.Forward, new GatewayError(ErrorCatalog.UpstreamUnavailable, "down")));
    };

    private ToolCallHandler TimeOutAfterSending() => (context, _) =>
    {
        _upstreamCalls++;
        context.SentUpstream = true;
        return ValueTask.FromResult(context.Fail(CallStage.Forward, new GatewayError(ErrorCatalog.UpstreamTimeout, "slow")));
    };

    private static string Text(CallToolResult result) => Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;

    /// <summary>A stage over a <see cref="LosingStore"/> with its settler running; disposing stops the settler and waits for it.</summary>
    private sealed record LosingHarness(IdempotencyStage Stage, LosingStore Store, Task Settling, CancellationTokenSource Stop) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Stop.CancelAsync();
            await Settling.WaitAsync(TimeSpan.FromSeconds(10));
            Stop.Dispose();
        }
    }

    /// <summary>The SQLite store, with faults on request: a claim made whose answer is lost, a release that fails.</summary>
    private sealed class LosingStore(IIdempotencyStore inner) : IIdempotencyStore
    {
        public bool LoseNextClaimAnswer { get; set; }

        public bool FailNextRelease { get; set; }

        public bool FailNextComplete { get; set; }

        public bool FailNextMarkUnknown { get; set; }

        /// <summary>Run once, after the next claim's answer: a change another call makes to the key meanwhile.</summary>
        public Func<ValueTask<bool>>? AfterNextClaim { get; set; }

        public async ValueTask<ClaimResult> TryClaimAsync(IdempotencyClaimRequest request, CancellationToken cancellationToken)
        {
            var result = await inner.TryClaimAsync(request, cancellationToken);
            if (AfterNextClaim is { } meanwhile)
            {
                AfterNextClaim = null;
                await meanwhile();
            }

            if (LoseNextClaimAnswer)
            {
                LoseNextClaimAnswer = false;
                throw new IOException("the connection closed before the answer came");
            }

            return result;
        }

        public ValueTask<bool> ReleaseAsync(IdempotencyScope scope, string token, CancellationToken cancellationToken)
        {
            if (FailNextRelease)
            {
                FailNextRelease = false;
                throw new IOException("the store does not answer");
            }

            return inner.ReleaseAsync(scope, token, cancellationToken);
        }

        public ValueTask<bool> CompleteAsync(IdempotencyScope scope, string token, string resultJson, DateTimeOffset now, CancellationToken cancellationToken)
        {
            if (FailNextComplete)
            {
                FailNextComplete = false;
                throw new IOException("the store does not answer");
            }

            return inner.CompleteAsync(scope, token, resultJson, now, cancellationToken);
        }

        public ValueTask<bool> MarkUnknownAsync(IdempotencyScope scope, string token, DateTimeOffset now, CancellationToken cancellationToken)
        {
            if (FailNextMarkUnknown)
            {
                FailNextMarkUnknown = false;
                throw new IOException("the store does not answer");
            }

            return inner.MarkUnknownAsync(scope, token, now, cancellationToken);
        }

        public ValueTask<int> PurgeAsync(DateTimeOffset createdBefore, CancellationToken cancellationToken) => inner.PurgeAsync(createdBefore, cancellationToken);

        public ValueTask<IdempotencyRecord?> GetAsync(IdempotencyScope scope, DateTimeOffset now, TimeSpan retention, CancellationToken cancellationToken) =>
            inner.GetAsync(scope, now, retention, cancellationToken);

        public ValueTask<IdempotencyRecordPage> ListAsync(IdempotencyListRequest request, CancellationToken cancellationToken) => inner.ListAsync(request, cancellationToken);

        public ValueTask<ResolveStatus> ResolveAsync(IdempotencyResolveRequest request, CancellationToken cancellationToken) => inner.ResolveAsync(request, cancellationToken);

        public ValueTask<Portcullis.Core.Review.ReviewRecord?> GetReviewAsync(string id, DateTimeOffset now, TimeSpan retention, CancellationToken cancellationToken) =>
            inner.GetReviewAsync(id, now, retention, cancellationToken);

        public ValueTask<Portcullis.Core.Review.ReviewPage> ListReviewsAsync(Portcullis.Core.Review.ReviewListRequest request, CancellationToken cancellationToken) =>
            inner.ListReviewsAsync(request, cancellationToken);

        public ValueTask<Portcullis.Core.Review.ReviewDecisionResult> DecideReviewAsync(Portcullis.Core.Review.ReviewDecisionRequest request, CancellationToken cancellationToken) =>
            inner.DecideReviewAsync(request, cancellationToken);

        public ValueTask<Portcullis.Core.Review.ReviewRecord?> HandOverReviewAsync(Portcullis.Core.Review.ReviewHandOverRequest request, CancellationToken cancellationToken) =>
            inner.HandOverReviewAsync(request, cancellationToken);
    }

    /// <summary>No review in these tests has a webhook.</summary>
    private sealed class NoHttp : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => throw new NotSupportedException();
    }
}
