using System.Security.Cryptography;
using System.Threading.Channels;
using ModelContextProtocol.Protocol;

namespace Portcullis.Core.Relay;

/// <summary>
/// A tool call of a stateless (2026-07-28) client that is running upstream across several of the client's
/// requests, because the upstream asked it something: each question becomes an input-required result and
/// the client's retry carries the answer back into the waiting upstream call (multi round-trip requests).
/// Most calls never ask: what only a question needs (its unguessable id, the countdown of its lifetime) is made
/// when the first question is handed out.
/// </summary>
internal sealed class PendingCall : IDisposable
{
    private readonly Channel<Question> _questions = Channel.CreateUnbounded<Question>();
    private readonly CancellationTokenSource _lifetime;
    private readonly TimeSpan _wait;
    private string? _id;

    /// <param name="owner">Connector and principal of the call.</param>
    /// <param name="wait">How long the call may run on after its first question was handed to the client.</param>
    /// <param name="time">The clock of that wait.</param>
    public PendingCall(string owner, TimeSpan wait, TimeProvider time)
    {
        Owner = owner;
        _wait = wait;
        _lifetime = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
    }

    /// <summary>The opaque, unguessable request state the client echoes back; null until a question was handed out.</summary>
    public string? Id => Volatile.Read(ref _id);

    /// <summary>Connector and principal: only the caller may resume its call.</summary>
    public string Owner { get; }

    /// <summary>The call's arguments as first sent: a retry that resumes the call must send the same.</summary>
    public IDictionary<string, System.Text.Json.JsonElement>? Arguments { get; init; }

    /// <summary>Ends the upstream call when the client stops coming back.</summary>
    public CancellationToken Lifetime => _lifetime.Token;

    public Task<CallToolResult>? Result { get; set; }

    /// <summary>Whether the replica holding this call has been recorded for the other replicas.</summary>
    public bool Routed { get; set; }

    /// <summary>The question the client was last shown, waiting for its answer.</summary>
    public Question? Open { get; set; }

    private int _resuming;
    private int _asked;

    /// <summary>
    /// Claims the call for one request of the client at a time: two retries at once would both answer the open question
    /// (one answer lost, the other given to a question its client never saw) and both wait for the next.
    /// </summary>
    public bool TryEnter() => Interlocked.CompareExchange(ref _resuming, 1, 0) == 0;

    /// <summary>The request that entered has its question or the result: the next retry may resume the call.</summary>
    public void Leave() => Volatile.Write(ref _resuming, 0);

    /// <summary>Called from the relay on the upstream's behalf: waits for the client's answer.</summary>
    public async Task<InputResponse> AskAsync(InputRequest request, CancellationToken cancellationToken)
    {
        var question = new Question(request, Interlocked.Increment(ref _asked));
        await _questions.Writer.WriteAsync(question, cancellationToken).ConfigureAwait(false);
        using var registration = cancellationToken.Register(() => question.Answer.TrySetCanceled(cancellationToken));
        return await question.Answer.Task.ConfigureAwait(false);
    }

    /// <summary>The next question the upstream asks, or the finished call, whichever comes first.</summary>
    public async Task<Question?> NextAsync(CancellationToken cancellationToken)
    {
        var question = _questions.Reader.ReadAsync(cancellationToken).AsTask();
        var done = await Task.WhenAny(question, Result!).ConfigureAwait(false);
        return done == question ? await question.ConfigureAwait(false) : null;
    }

    /// <summary>
    /// A question is handed to the client: the first time, the call gets its id and from then on ends at most
    /// <c>wait</c> later, whatever comes next (the record that routes the client's retries to this replica expires
    /// at the same moment). Returns the id.
    /// </summary>
    public string HandOut()
    {
        if (Volatile.Read(ref _id) is { } id)
        {
            return id;
        }

        var made = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        if (Interlocked.CompareExchange(ref _id, made, null) is { } other)
        {
            return other;
        }

        _lifetime.CancelAfter(_wait);
        return made;
    }

    /// <summary>Cancels the upstream call: the client went away while waiting for it.</summary>
    public void Cancel() => _lifetime.Cancel();

    public void Dispose() => _lifetime.Dispose();

    /// <summary>One question of the upstream and the answer it waits for.</summary>
    internal sealed class Question(InputRequest request, int number)
    {
        public InputRequest Request => request;

        /// <summary>Which of the call's questions this is (1 for the first): the request state handed out with it names it.</summary>
        public int Number => number;

        public TaskCompletionSource<InputResponse> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
