using System.Collections.Concurrent;
using ModelContextProtocol;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.State;

namespace Portcullis.Core.Relay;

/// <summary>
/// Serves a stateless (2026-07-28) client's tool call whose upstream asks the client something: the call
/// runs on, the question goes back as an input-required result, and the retry's answer is handed to the
/// waiting upstream request. Pending calls live in this replica's memory; with several replicas each one's holder
/// is recorded in the state store (<see cref="IPendingCallRoutes"/>) so a retry that reaches another replica is
/// forwarded to it.
/// </summary>
internal sealed class MrtrBridge(TimeProvider time, StateClock clock, ReplicaIdentity replica, ILogger<MrtrBridge> logger, RouteRecorder? recorder = null)
{
    /// <summary>How long a call may run on after its first question was handed to the client, before it is cancelled.</summary>
    internal static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    private const string Key = "portcullis";
    private static readonly AsyncLocal<PendingCall?> CurrentPending = new();
    private readonly ConcurrentDictionary<string, PendingCall> _pending = new(StringComparer.Ordinal);

    /// <summary>The pending call whose pipeline runs on this async flow, if any.</summary>
    public static PendingCall? Current => CurrentPending.Value;

    /// <summary>Whether routes are recorded, so that retries can be forwarded between replicas.</summary>
    public bool Routes => recorder is { Enabled: true } && replica.AdvertiseUrl is not null;

    /// <summary>Whether this replica holds the pending call <paramref name="requestState"/> names.</summary>
    public bool Holds(string requestState) => _pending.ContainsKey(CallOf(requestState));

    /// <summary>
    /// The pending call a request state names. A state is the call's id and the number of the question it was handed out
    /// with (<c>ID.N</c>), so an answer reaches only the question its client was shown; routes are recorded by the id.
    /// </summary>
    public static string CallOf(string requestState) =>
        requestState.LastIndexOf('.') is var dot and > 0 ? requestState[..dot] : requestState;

    private static string StateOf(string id, PendingCall.Question question) =>
        id + "." + question.Number.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static int? QuestionOf(string requestState) =>
        requestState.LastIndexOf('.') is var dot and > 0
        && int.TryParse(requestState.AsSpan(dot + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number)
            ? number : null;

    /// <summary>Starts the call, or resumes the one the client's request state names.</summary>
    public async ValueTask<CallToolResult> InvokeAsync(
        string owner,
        CallToolRequestParams? request,
        Func<CancellationToken, ValueTask<CallToolResult>> run,
        CancellationToken cancellationToken)
    {
        PendingCall pending;
        if (request?.RequestState is { } state)
        {
            if (!_pending.TryGetValue(CallOf(state), out pending!) || !string.Equals(pending.Owner, owner, StringComparison.Ordinal) || QuestionOf(state) is not { } asked)
            {
                throw new McpProtocolException("Unknown or expired requestState.", McpErrorCode.InvalidParams);
            }

            // The retry resumes the call it names, and only that call: other arguments (another idempotency_key among
            // them) would get an answer to something the client did not send. Compared only here, off the hot path.
            if (!SameArguments(pending.Arguments, request.Arguments))
            {
                throw new McpProtocolException(
                    "The arguments differ from those of the call this requestState resumes; send the same name and arguments, or start a new call without requestState.",
                    McpErrorCode.InvalidParams);
            }

            if (!pending.TryEnter())
            {
                throw new McpProtocolException(
                    "Another request is resuming this call now; wait for its answer, then answer the question it brings.", McpErrorCode.InvalidRequest);
            }

            if (pending.Open is not { } open)
            {
                pending.Leave();
                throw new McpProtocolException("Unknown or expired requestState.", McpErrorCode.InvalidParams);
            }

            if (open.Number != asked || request.InputResponses?.TryGetValue(Key, out var answer) != true || answer is null)
            {
                // The answer is missing, or it answers a question already answered (a retry sent twice, or one whose
                // answer was lost on the way back): its answer is not used; the question open now is asked again, with its
                // own state, so a client that lost the latest answer can still go on.
                pending.Leave();
                throw new InputRequiredException(new Dictionary<string, InputRequest> { [Key] = open.Request }, StateOf(pending.Id!, open));
            }

            pending.Open = null;
            open.Answer.TrySetResult(answer);
        }
        else
        {
            pending = new PendingCall(owner, Lifetime, time) { Arguments = request?.Arguments };
            pending.TryEnter();

            // Whatever happens to the call or the client, the entry goes when its lifetime ends: a client that
            // never comes back cannot make the map grow.
            var held = pending;
            pending.Lifetime.Register(() => Forget(held));
            pending.Result = RunAsync(pending, run);
        }

        PendingCall.Question? question;
        using (cancellationToken.Register(pending.Cancel))
        {
            // A client that gives up while waiting cancels the upstream call, as without the bridge.
            try
            {
                question = await pending.NextAsync(CancellationToken.None).ConfigureAwait(false);
                pending.Open = question;
            }
            finally
            {
                pending.Leave();
            }
        }

        if (question is null)
        {
            Forget(pending);
            pending.Dispose();
            return await pending.Result!.ConfigureAwait(false);
        }

        var id = pending.HandOut();
        _pending[id] = pending;
        var handedOut = StateOf(id, question);
        if (pending.Lifetime.IsCancellationRequested)
        {
            // Cancelled while the question came in: the lifetime's own clean-up may have run before the id existed.
            Forget(pending);
        }

        await RecordRouteAsync(pending, id).ConfigureAwait(false);
        throw new InputRequiredException(new Dictionary<string, InputRequest> { [Key] = question.Request }, handedOut);
    }

    private static bool SameArguments(IDictionary<string, System.Text.Json.JsonElement>? first, IDictionary<string, System.Text.Json.JsonElement>? retry) =>
        string.Equals(Canonical(first), Canonical(retry), StringComparison.Ordinal);

    /// <summary>The arguments' fingerprint, or their text as sent when they are not I-JSON; empty for none.</summary>
    private static string Canonical(IDictionary<string, System.Text.Json.JsonElement>? arguments) =>
        arguments is null || arguments.Count == 0 ? ""
        : Idempotency.Fingerprint.Compute(arguments) ?? Pipeline.ArgumentsText.AsSent(arguments);

    /// <summary>
    /// Tells the other replicas, once per call, that this one holds it. When the store does not take it (an outage), it is
    /// told again every <see cref="RouteRecorder.RecordAgainEvery"/> in the background while the call is held here: a retry
    /// that reaches another replica meanwhile is answered <c>state_unavailable</c> there (<see cref="StateOutages.Aftermath"/>),
    /// and is forwarded here once the route is stored.
    /// </summary>
    private async ValueTask RecordRouteAsync(PendingCall pending, string id)
    {
        if (!Routes || pending.Routed)
        {
            return;
        }

        pending.Routed = true;
        var route = new PendingCallRoute(replica.Owner, replica.AdvertiseUrl!, clock.GetUtcNow() + Lifetime);
        if (await recorder!.PutAsync(id, route, CancellationToken.None).ConfigureAwait(false) is { } failure)
        {
            Log.PendingCallRouteFailed(logger, failure);
            _ = recorder.RecordAgainAsync(
                id, route, () => _pending.TryGetValue(id, out var held) && ReferenceEquals(held, pending),
                attempts => Log.PendingCallRouteRecordedLater(logger, attempts), CancellationToken.None);
        }
    }

    private async Task<CallToolResult> RunAsync(PendingCall pending, Func<CancellationToken, ValueTask<CallToolResult>> run)
    {
        // Runs inline up to the upstream send: the request's flow waits for it anyway, so a hop to the thread pool
        // first would only add a dispatch per call. The pending call stays this flow's alone: an async method's
        // changes to async locals do not reach its caller.
        CurrentPending.Value = pending;
        try
        {
            return await run(pending.Lifetime).ConfigureAwait(false);
        }
        finally
        {
            CurrentPending.Value = null;
            if (pending.Open is null || pending.Lifetime.IsCancellationRequested)
            {
                Forget(pending);
            }
        }
    }

    /// <summary>Drops the call from the map, if a question ever put it there.</summary>
    private void Forget(PendingCall pending)
    {
        if (pending.Id is { } id)
        {
            _pending.TryRemove(id, out _);
        }
    }
}
