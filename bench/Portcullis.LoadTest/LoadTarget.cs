using System.Text.Json;

namespace Portcullis.LoadTest;

/// <summary>
/// One row of the table: an MCP endpoint, the tool to call (null: list the tools), each call's arguments, and the
/// MCP protocol revision the clients request (null: the SDK's default, the newest with automatic fallback).
/// </summary>
internal sealed record LoadTarget(string Name, Uri Endpoint, string? Tool, Func<IDictionary<string, JsonElement>> Arguments, string? Token = null, string? ProtocolVersion = null)
{
    /// <summary>The last revision with Streamable HTTP sessions and the <c>initialize</c> handshake.</summary>
    public const string SessionProtocol = "2025-11-25";

    private static readonly JsonElement Hello = JsonSerializer.SerializeToElement("hello");

    /// <summary>The same small read for every call: <c>echo {"text": "hello"}</c>.</summary>
    public static Func<IDictionary<string, JsonElement>> EchoArguments { get; } =
        () => new Dictionary<string, JsonElement> { ["text"] = Hello };

    /// <summary>
    /// A write with a unique idempotency key per call, for as long as the returned function is used: the key counts
    /// across every window a row is loaded in (warm-up, settling, measuring, a second pass), not per window, so no
    /// measured call repeats an earlier key and gets the stored result back instead of being written.
    /// </summary>
    public static Func<IDictionary<string, JsonElement>> UniqueWriteArguments(string run)
    {
        long issued = 0;
        return () => new Dictionary<string, JsonElement>
        {
            ["note"] = Hello,
            ["idempotency_key"] = JsonSerializer.SerializeToElement($"{run}-{Interlocked.Increment(ref issued)}"),
        };
    }
}
