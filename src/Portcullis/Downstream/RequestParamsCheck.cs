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
    /// <summary>
    /// The methods checked: the type their params are read as, whether params are required, and whether the method exists
    /// only with a session (the revisions without one, 2026-07-28 on, removed it: the MCP layer answers 404 method not
    /// found for it there, whatever its params, so it is not checked there).
    /// </summary>
    private static readonly FrozenDictionary<string, (JsonTypeInfo Type, bool Required, bool SessionOnly)> Methods = new Dictionary<string, (JsonTypeInfo, bool, bool)>
    {
        [RequestMethods.Initialize] = (TypeOf<InitializeRequestParams>(), true, true),
        [RequestMethods.ToolsList] = (TypeOf<ListToolsRequestParams>(), false, false),
        [RequestMethods.ResourcesList] = (TypeOf<ListResourcesRequestParams>(), false, false),
        [RequestMethods.ResourcesTemplatesList] = (TypeOf<ListResourceTemplatesRequestParams>(), false, false),
        [RequestMethods.ResourcesRead] = (TypeOf<ReadResourceRequestParams>(), true, false),
        [RequestMethods.ResourcesSubscribe] = (TypeOf<SubscribeRequestParams>(), true, true),
        [RequestMethods.ResourcesUnsubscribe] = (TypeOf<UnsubscribeRequestParams>(), true, true),
        [RequestMethods.PromptsList] = (TypeOf<ListPromptsRequestParams>(), false, false),
        [RequestMethods.PromptsGet] = (TypeOf<GetPromptRequestParams>(), true, false),
        [RequestMethods.CompletionComplete] = (TypeOf<CompleteRequestParams>(), true, false),
        [RequestMethods.SubscriptionsListen] = (TypeOf<SubscriptionsListenRequestParams>(), false, false),
#pragma warning disable MCP9005 // logging/setLevel is deprecated on 2026-07-28, still served to 2025-11-25 sessions.
        [RequestMethods.LoggingSetLevel] = (TypeOf<SetLevelRequestParams>(), true, true),
#pragma warning restore MCP9005
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>
    /// Why the params of <paramref name="method"/> cannot be read, or null when they can (or the method is not checked).
    /// <paramref name="withoutSessions"/> tells whether the request is of a revision without sessions.
    /// </summary>
    public static string? Problem(string method, JsonElement message, bool withoutSessions)
    {
        if (!Methods.TryGetValue(method, out var expected) || (expected.SessionOnly && withoutSessions))
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
            return JsonSerializer.Deserialize(parameters, expected.Type) switch
            {
                null => $"{method} needs a params object.",
                GetPromptRequestParams prompt => PromptArgumentProblem(prompt),
                _ => null,
            };
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NotSupportedException or FormatException or OverflowException or ArgumentException)
        {
            // The path names the client's own properties: escaped and bounded like any client text in a log line.
            var at = (ex as JsonException)?.Path is { Length: > 1 } path ? " at params" + LogText.Safe(path[1..], 64) : "";
            return $"the params of {method} are not what the method takes{at}.";
        }
    }

    /// <summary>
    /// A prompt's arguments are strings (<c>{[key: string]: string}</c> in every revision), while the MCP layer reads them as
    /// any JSON: another value was forwarded, and the upstream's failure answered the caller an internal error (-32603).
    /// Judged on the params as the MCP layer read them (member names in any case); a null stands for an argument not given.
    /// </summary>
    private static string? PromptArgumentProblem(GetPromptRequestParams prompt)
    {
        foreach (var (name, value) in prompt.Arguments ?? new Dictionary<string, JsonElement>())
        {
            if (value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null or JsonValueKind.Undefined))
            {
                return $"a prompt's arguments are strings: a string is expected at params.arguments.{LogText.Safe(name, 64)}.";
            }
        }

        return null;
    }

    /// <summary>Why the <c>_meta</c> of a request cannot be read (it must be an object when present), or null.</summary>
    public static string? MetaProblem(JsonElement parameters) =>
        parameters.ValueKind == JsonValueKind.Object && parameters.TryGetProperty("_meta", out var meta) && meta.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null)
            ? "params._meta must be an object."
            : null;

    /// <summary>
    /// The revisions an <c>initialize</c> may ask for, as the MCP layer lists them when it refuses another (its own list
    /// is internal; a test checks that its answer names the same).
    /// </summary>
    internal static readonly string[] HandshakeVersions = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];

    /// <summary>Revisions from 2026-07-28 on have no sessions (SEP-2567); the MCP layer compares them the same way.</summary>
    internal static bool WithoutSessions(string? protocolVersion) =>
        !string.IsNullOrEmpty(protocolVersion) && string.CompareOrdinal(protocolVersion, "2026-07-28") >= 0;

    /// <summary>Whether <paramref name="request"/> is of a revision without sessions, by its <c>MCP-Protocol-Version</c> header.</summary>
    internal static bool WithoutSessions(HttpRequest request) => WithoutSessions(request.Headers["MCP-Protocol-Version"].ToString());

    private static JsonTypeInfo TypeOf<T>() => McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(T));
}
