using System.Collections.Concurrent;
using ModelContextProtocol.Protocol;

namespace Portcullis.Core.Relay;

/// <summary>
/// The requests an upstream connection sent (ping, sampling, elicitation, roots) that the gateway has not answered yet,
/// at most <see cref="Limit"/>. The MCP SDK takes up each request on a task of its own, and one whose answer cannot be
/// written (an upstream that does not read its standard input) waits for ever: without a bound an upstream writing
/// requests in a flood held the gateway's memory, about 3 KB a request, until the kernel killed it with every connector.
/// </summary>
/// <remarks>
/// A request counts from when the SDK reads it until its answer has been written (or failed to be), or the upstream
/// cancels it (the SDK then answers nothing). One past the bound, or whose id is still unanswered (ids must not be
/// reused), is not passed on: the upstream gets no answer to it.
/// </remarks>
internal sealed class UnansweredRequests
{
    /// <summary>More than a server asks at once while it works (one question a call in flight at most, and a ping).</summary>
    public const int Limit = 1000;

    private readonly ConcurrentDictionary<RequestId, byte> _open = new();
    private int _count;

    /// <summary>Counts a request from the upstream; false (and not counted) when it is past the bound or its id is still open.</summary>
    public bool TryOpen(RequestId id, out string refusal)
    {
        if (Interlocked.Increment(ref _count) > Limit)
        {
            Interlocked.Decrement(ref _count);
            refusal = "more than " + Limit + " of its requests were unanswered";
            return false;
        }

        if (!_open.TryAdd(id, 0))
        {
            Interlocked.Decrement(ref _count);
            refusal = "its id was that of a request still unanswered";
            return false;
        }

        refusal = "";
        return true;
    }

    /// <summary>Stops counting the request <paramref name="id"/>: its answer was written, or it was cancelled.</summary>
    public void Close(RequestId id)
    {
        if (_open.TryRemove(id, out _))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    /// <summary>Whether <paramref name="message"/> is the gateway's answer to one of the upstream's requests.</summary>
    public static bool IsAnswer(JsonRpcMessage message, out RequestId id)
    {
        id = message is JsonRpcResponse or JsonRpcError ? ((JsonRpcMessageWithId)message).Id : default;
        return message is JsonRpcResponse or JsonRpcError;
    }
}
