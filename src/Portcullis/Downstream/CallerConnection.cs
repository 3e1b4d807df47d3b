using System.Text.Json;
using ModelContextProtocol.Protocol;

namespace Portcullis.Downstream;

/// <summary>
/// The HTTP request that carries a <c>tools/call</c>, seen from its handler: the MCP layer runs the handler on the POST's
/// execution context, so this flows to it. Only the request whose JSON-RPC id the handler serves is trusted.
/// </summary>
internal sealed class CallerConnection(string rawId, CancellationToken aborted)
{
    private static readonly AsyncLocal<CallerConnection?> Current = new();

    /// <summary>Marks the rest of this POST's flow as carrying the request with <paramref name="rawId"/> (as the client wrote it).</summary>
    public static void Enter(string? rawId, CancellationToken aborted) =>
        Current.Value = rawId is null ? null : new CallerConnection(rawId, aborted);

    /// <summary>Fires when the connection of the POST carrying <paramref name="id"/> closes; none when that is not known.</summary>
    public static CancellationToken AbortedFor(RequestId id) =>
        Current.Value is { } connection && connection.Carries(id) ? connection._aborted : CancellationToken.None;

    private readonly CancellationToken _aborted = aborted;

    private bool Carries(RequestId id)
    {
        using var document = JsonDocument.Parse(rawId);
        var element = document.RootElement;
        return id.Id switch
        {
            string text => element.ValueKind == JsonValueKind.String && element.ValueEquals(text),
            long number => element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out var value) && value == number,
            _ => false,
        };
    }
}
