using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Portcullis.Core.Diagnostics;

/// <summary>Where a request's trace context comes from, and how it is passed on upstream.</summary>
/// <remarks>
/// A caller's <c>tracestate</c> is kept only when it is one as W3C Trace Context defines it (at most 512 characters, 32
/// members, each <c>key=value</c> in the allowed characters); any other is dropped, the <c>traceparent</c> kept. It is
/// exported on every span of the call and passed to the upstream, so an unchecked one would carry whatever a caller
/// chose, of any length, into the trace backend and the upstream's requests.
/// </remarks>
internal static partial class TraceParents
{
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";

    private const int MaxTraceStateLength = 512;
    private const int MaxTraceStateMembers = 32;

    /// <summary>
    /// The caller's trace context: <c>traceparent</c> in the request's <c>_meta</c> (the MCP convention), else the
    /// HTTP <c>traceparent</c> header, which ASP.NET Core has already parsed into the request's activity.
    /// </summary>
    public static ActivityContext FromCaller(JsonObject? meta)
    {
        if (meta?[TraceParent] is JsonValue value && value.GetValueKind() == JsonValueKind.String
            && ActivityContext.TryParse(value.GetValue<string>(), ValidTraceState(StringValue(meta[TraceState])), isRemote: true, out var fromMeta))
        {
            return fromMeta;
        }

        var current = Activity.Current;
        if (current is null)
        {
            return default;
        }

        // ASP.NET Core took the HTTP header's tracestate as it came.
        if (current.TraceStateString is { } state && ValidTraceState(state) is null)
        {
            current.TraceStateString = null;
        }

        if (current.Recorded)
        {
            return current.Context;
        }

        // The host's own request activity is not exported: parent the call on the caller's span it was created from.
        return current.ParentSpanId != default
            ? new ActivityContext(current.TraceId, current.ParentSpanId, current.ActivityTraceFlags, current.TraceStateString, isRemote: true)
            : default;
    }

    /// <summary>Adds the current span's context to an upstream request's <c>_meta</c> when the span is recorded.</summary>
    public static JsonObject? Inject(JsonObject? meta)
    {
        if (Activity.Current is not { Recorded: true, IdFormat: ActivityIdFormat.W3C } span)
        {
            return meta;
        }

        meta ??= [];
        meta[TraceParent] = span.Id;
        if (span.TraceStateString is { } state)
        {
            meta[TraceState] = state;
        }

        return meta;
    }

    /// <summary><paramref name="state"/> when it is a W3C <c>tracestate</c>; null otherwise.</summary>
    internal static string? ValidTraceState(string? state)
    {
        if (state is null || state.Length > MaxTraceStateLength)
        {
            return null;
        }

        var members = 0;
        foreach (var member in state.Split(','))
        {
            var trimmed = member.Trim(' ', '\t');
            if (trimmed.Length == 0)
            {
                continue;
            }

            if (++members > MaxTraceStateMembers || !TraceStateMember().IsMatch(trimmed))
            {
                return null;
            }
        }

        return state;
    }

    private static string? StringValue(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    /// <summary>A simple key or a multi-tenant one (<c>tenant@system</c>), <c>=</c>, then a value of printable ASCII without <c>,</c> or <c>=</c> that does not end in a space.</summary>
    [GeneratedRegex("^(?:[a-z][a-z0-9_*/-]{0,255}|[a-z0-9][a-z0-9_*/-]{0,240}@[a-z][a-z0-9_*/-]{0,13})=[\\x20-\\x2b\\x2d-\\x3c\\x3e-\\x7e]{0,255}[\\x21-\\x2b\\x2d-\\x3c\\x3e-\\x7e]\\z", RegexOptions.CultureInvariant)]
    private static partial Regex TraceStateMember();
}
