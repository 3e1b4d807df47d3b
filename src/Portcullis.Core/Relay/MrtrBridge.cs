using System.Collections.Concurrent;
using System.Security.Cryptography;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Portcullis.Core.Relay;

/// <summary>
/// Serves a stateless (2026-07-28) client's tool call whose upstream asks the client something: the call
/// runs on, the question goes back as an input-required result, and the retry's answer is handed to the
/// waiting upstream request. Pending calls live in this replica's memory: the retry must reach it.
/// </summary>
internal sealed class MrtrBridge(TimeProvider time)
{
    /// <summary>How long a pending call waits for the client to come back before it is cancelled.</summary>
    internal static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    private const string Key = "portcullis";
    private static readonly AsyncLocal<PendingCall?> CurrentPending = new();
    private readonly ConcurrentDictionary<string, PendingCall> _pending = new(StringComparer.Ordinal);

    /// <summary>The pending call whose pipeline runs on this async flow, if any.</summary>
    public static PendingCall? Current => CurrentPending.Value;

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
            if (!_pending.TryGetValue(state, out pending!) || !string.Equals(pending.Owner, owner, StringComparison.Ordinal))
            {
                throw new McpProtocolException("Unknown or expired requestState.", McpErrorCode.InvalidParams);
            }

            if (pending.Open is { } open)
            {
                if (request.InputResponses?.TryGetValue(Key, out var answer) != true || answer is null)
                {
                    // The answer is missing: ask again.
                    throw new InputRequiredException(new Dictionary<string, InputRequest> { [Key] = open.Request }, pending.Id);
                }

                pending.Open = null;
                open.Answer.TrySetResult(answer);
            }
        }
        else
        {
            pending = new PendingCall(Convert.ToHexString(RandomNumberGenerator.GetBytes(24)), owner, Lifetime, time);

            // Whatever happens to the call or the client, the entry goes when its lifetime ends: a client that
            // never comes back cannot make the map grow.
            var id = pending.Id;
            pending.Lifetime.Register(() => _pending.TryRemove(id, out _));
            pending.Result = RunAsync(pending, run);
        }

        PendingCall.Question? question;
        using (cancellationToken.Register(pending.Cancel))
        {
            // A client that gives up while waiting cancels the upstream call, as without the bridge.
            question = await pending.NextAsync(CancellationToken.None).ConfigureAwait(false);
        }

        if (question is null)
        {
            _pending.TryRemove(pending.Id, out _);
            pending.Dispose();
            return await pending.Result!.ConfigureAwait(false);
        }

        pending.Open = question;
        _pending[pending.Id] = pending;
        throw new InputRequiredException(new Dictionary<string, InputRequest> { [Key] = question.Request }, pending.Id);
    }

    private async Task<CallToolResult> RunAsync(PendingCall pending, Func<CancellationToken, ValueTask<CallToolResult>> run)
    {
        CurrentPending.Value = pending;
        try
        {
            await Task.Yield();
            return await run(pending.Lifetime).ConfigureAwait(false);
        }
        finally
        {
            CurrentPending.Value = null;
            if (pending.Open is null || pending.Lifetime.IsCancellationRequested)
            {
                _pending.TryRemove(pending.Id, out _);
            }
        }
    }
}
