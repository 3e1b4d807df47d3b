using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Portcullis.Core.Diagnostics;

/// <summary>Where a request's trace context comes from, and how it is passed on upstream.</summary>
internal static class TraceParents
{
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";

    /// <summary>
    /// The caller's trace context: <c>traceparent</c> in the request's <c>_meta</c> (the MCP convention), else the
    /// HTTP <c>traceparent</c> header, which ASP.NET Core has already parsed into the request's activity.
    /// </summary>
    public static ActivityContext FromCaller(JsonObject? meta)
    {
        if (meta?[TraceParent] is JsonValue value && value.GetValueKind() == JsonValueKind.String
            && ActivityContext.TryParse(value.GetValue<string>(), (meta[TraceState] as JsonValue)?.ToString(), isRemote: true, out var fromMeta))
        {
            return fromMeta;
        }

        var current = Activity.Current;
        if (current is null)
        {
            return default;
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
}
