using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Downstream;

/// <summary>
/// Whether a request's params can be read as the type its method takes, judged before the MCP layer reads them: there
/// a params object it cannot read ends as an internal error (-32603, or HTTP 500 for <c>initialize</c>) that names
/// nothing, is neither counted nor logged. Read with the MCP layer's own contracts, so what passes here is what it
/// reads. <c>tools/call</c> is checked by shape in <see cref="JsonRpcRequestMiddleware"/> (the hot path is not
/// deserialized twice); methods whose params the MCP layer does not read (<c>ping</c>) are not checked.
/// </summary>
internal static class RequestParamsCheck
{
    private static readonly FrozenDictionary<string, (JsonTypeInfo Type, bool Required)> Methods = new Dictionary<string, (JsonTypeInfo, bool)>
    {
        [RequestMethods.Initialize] = (TypeOf<InitializeRequestParams>(), true),
        [RequestMethods.ToolsList] = (TypeOf<ListToolsRequestParams>(), false),
        [RequestMethods.ResourcesList] = (TypeOf<ListResourcesRequestParams>(), false),
        [RequestMethods.ResourcesTemplatesList] = (TypeOf<ListResourceTemplatesRequestParams>(), false),
        [RequestMethods.ResourcesRead] = (TypeOf<ReadResourceRequestParams>(), true),
        [RequestMethods.ResourcesSubscribe] = (TypeOf<SubscribeRequestParams>(), true),
        [RequestMethods.ResourcesUnsubscribe] = (TypeOf<UnsubscribeRequestParams>(), true),
        [RequestMethods.PromptsList] = (TypeOf<ListPromptsRequestParams>(), false),
        [RequestMethods.PromptsGet] = (TypeOf<GetPromptRequestParams>(), true),
        [RequestMethods.CompletionComplete] = (TypeOf<CompleteRequestParams>(), true),
        [RequestMethods.SubscriptionsListen] = (TypeOf<SubscriptionsListenRequestParams>(), false),
#pragma warning disable MCP9005 // logging/setLevel is deprecated on 2026-07-28, still served to 2025-11-25 sessions.
        [RequestMethods.LoggingSetLevel] = (TypeOf<SetLevelRequestParams>(), true),
#pragma warning restore MCP9005
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Why the params of <paramref name="method"/> cannot be read, or null when they can (or the method is not checked).</summary>
    public static string? Problem(string method, JsonElement message)
    {
        if (!Methods.TryGetValue(method, out var expected))
        {
            return null;
        }

        if (!message.TryGetProperty("params", out var parameters) || parameters.ValueKind == JsonValueKind.Null)
        {
            return expected.Required ? $"{method} needs a params object." : null;
        }

        if (parameters.ValueKind != JsonValueKind.Object)
        {
            return $"the params of {method} must be an object.";
        }

        try
        {
            return JsonSerializer.Deserialize(parameters, expected.Type) is null ? $"{method} needs a params object." : null;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NotSupportedException or FormatException or OverflowException or ArgumentException)
        {
            // The path names the client's own properties: escaped and bounded like any client text in a log line.
            var at = (ex as JsonException)?.Path is { Length: > 1 } path ? " at params" + LogText.Safe(path[1..], 64) : "";
            return $"the params of {method} are not what the method takes{at}.";
        }
    }

    /// <summary>Why the <c>_meta</c> of a request cannot be read (it must be an object when present), or null.</summary>
    public static string? MetaProblem(JsonElement parameters) =>
        parameters.ValueKind == JsonValueKind.Object && parameters.TryGetProperty("_meta", out var meta) && meta.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null)
            ? "params._meta must be an object."
            : null;

    private static JsonTypeInfo TypeOf<T>() => McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(T));
}
