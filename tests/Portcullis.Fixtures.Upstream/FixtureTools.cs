using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Portcullis.Fixtures.Upstream;

[McpServerToolType]
internal sealed class FixtureTools(CallRecorder recorder)
{
    [McpServerTool(Name = "echo", ReadOnly = true, Destructive = false)]
    [Description("Echo the text back.")]
    public string Echo(string text)
    {
        recorder.Record("echo", new { text });
        return text;
    }

    /// <summary>
    /// Progress with no pause between the notifications, one log line, and the answer right after: what a relay that handles
    /// each message on its own task delivers out of order, or after the answer has closed the caller's stream. With
    /// <c>malformed</c>, a progress notification and a log message whose parameters are not what their methods say come first.
    /// </summary>
    [McpServerTool(Name = "progress_burst", ReadOnly = true, Destructive = false)]
    [Description("Reports progress count times without pausing, logs one line, then answers at once.")]
    public static async Task<string> ProgressBurst(McpServer server, RequestContext<CallToolRequestParams> context, int count, bool malformed = false, CancellationToken cancellationToken = default)
    {
        if (malformed)
        {
            await server.SendNotificationAsync(NotificationMethods.ProgressNotification, new JsonObject { ["progressToken"] = new JsonObject(), ["progress"] = "lots" }, cancellationToken: cancellationToken);
            await server.SendNotificationAsync(NotificationMethods.LoggingMessageNotification, new JsonObject { ["level"] = "loud", ["data"] = "?" }, cancellationToken: cancellationToken);
        }

        if (context.Params?.ProgressToken is { } token)
        {
            for (var i = 1; i <= count; i++)
            {
                await server.NotifyProgressAsync(token, new ProgressNotificationValue { Progress = i, Total = count }, cancellationToken: cancellationToken);
            }
        }

        var line = new LoggingMessageNotificationParams { Level = LoggingLevel.Info, Data = JsonSerializer.SerializeToElement("burst done") };
        await server.SendNotificationAsync(NotificationMethods.LoggingMessageNotification, line, cancellationToken: cancellationToken);
        return $"sent {count}";
    }

    [McpServerTool(Name = "rich", ReadOnly = true, Destructive = false)]
    [Description("Answer with one content block of each type, structured content and the server's own _meta.")]
    public static CallToolResult Rich() => new()
    {
        Content =
        [
            new TextContentBlock { Text = "plain text" },
            ImageContentBlock.FromBytes(FixtureImage.Png, "image/png"),
            new EmbeddedResourceBlock { Resource = new TextResourceContents { Uri = "memo://one", MimeType = "text/plain", Text = "embedded" } },
            new ResourceLinkBlock { Uri = "memo://two", Name = "two" },
        ],
        StructuredContent = JsonSerializer.SerializeToElement(new { answer = 42, nested = new { ok = true } }),
        Meta = new JsonObject { ["upstream_secret_meta"] = "must not leak" },
    };

    [McpServerTool(Name = "fail", ReadOnly = true, Destructive = false)]
    [Description("Answer with a tool error (isError: true).")]
    public static CallToolResult Fail(string reason) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = "tool failed: " + reason }],
    };

    [McpServerTool(Name = "protocol_error", ReadOnly = true, Destructive = false)]
    [Description("Answer with a JSON-RPC error whose message holds internal details (or is the message given).")]
    public static string ProtocolError(string? message = null) =>
        throw new McpProtocolException(message ?? "db at 10.1.2.3:5432 password=hunter2 failed", McpErrorCode.InternalError);

    [McpServerTool(Name = "record", ReadOnly = false, Destructive = false)]
    [Description("A write that records its arguments and returns how it was called.")]
    public string Record(string? note = null, int? count = null, string? visibility = null, string? idempotency_key = null)
    {
        recorder.Record("record", new { note, count, visibility, idempotency_key });
        return $"recorded {note}";
    }

    [McpServerTool(Name = "record_all", ReadOnly = false, Destructive = false)]
    [Description("A write that records every argument it receives, declared or not.")]
    public string RecordAll(RequestContext<CallToolRequestParams> context, string? note = null)
    {
        recorder.Record("record_all", context.Params?.Arguments ?? new Dictionary<string, JsonElement>());
        return $"recorded {note}";
    }

    [McpServerTool(Name = "slow", ReadOnly = false, Destructive = false)]
    [Description("A write that records its arguments, then waits before answering.")]
    public async Task<string> Slow(double seconds, string? note = null, CancellationToken cancellationToken = default)
    {
        recorder.Record("slow", new { seconds, note });
        await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);
        return $"slept {seconds}s";
    }

    [McpServerTool(Name = "slow_read", ReadOnly = true, Destructive = false)]
    [Description("A read that waits before answering.")]
    public static async Task<string> SlowRead(double seconds, CancellationToken cancellationToken = default)
    {
        await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);
        return $"slept {seconds}s";
    }

    [McpServerTool(Name = "crash", ReadOnly = false, Destructive = false)]
    [Description("Kills the fixture process mid-call.")]
    public static string Crash()
    {
        Environment.Exit(3);
        return "unreachable";
    }

    [McpServerTool(Name = "seen_meta", ReadOnly = true, Destructive = false)]
    [Description("Answer with the request _meta this call arrived with (\"{}\" when none).")]
    public static string SeenMeta(RequestContext<CallToolRequestParams> context) =>
        context.Params?.Meta?.ToJsonString() ?? "{}";

    [McpServerTool(Name = "env", ReadOnly = true, Destructive = false)]
    [Description("Tell the value of an environment variable of the fixture process.")]
    public static string Env(string name) => Environment.GetEnvironmentVariable(name) ?? "<unset>";

    [McpServerTool(Name = "wipe", ReadOnly = false, Destructive = true)]
    [Description("A destructive tool.")]
    public static string Wipe() => "wiped";

    [McpServerTool(Name = "unannotated")]
    [Description("A tool with no annotations at all, destructive by the spec's default.")]
    public static string Unannotated() => "ok";

    [McpServerTool(Name = "typed", ReadOnly = true, Destructive = false, UseStructuredContent = true, OutputSchemaType = typeof(TypedOutput))]
    [Description("Declares an output schema; answers wrongly when asked to, with the shape of the gateway's error envelope, or with that many more values beside its count.")]
    public static CallToolResult Typed(bool wrong = false, bool envelope = false, int padding = 0) => new()
    {
        Content = [new TextContentBlock { Text = "typed" }],
        StructuredContent = envelope
            ? JsonSerializer.SerializeToElement(new { error = new { code = "internal", message = "m", retryable = true, correlation_id = "c" } })
            : wrong
                ? JsonSerializer.SerializeToElement(new { count = "not a number" })
                : padding > 0
                    ? JsonSerializer.SerializeToElement(new { count = 3, padding = new int[padding] })
                    : JsonSerializer.SerializeToElement(new { count = 3 }),
    };

    [McpServerTool(Name = "typed_write", ReadOnly = false, Destructive = false, UseStructuredContent = true, OutputSchemaType = typeof(TypedOutput))]
    [Description("A write that declares an output schema: records its arguments, waits, then answers with the length of its note.")]
    public async Task<CallToolResult> TypedWrite(string note, double seconds = 0, CancellationToken cancellationToken = default)
    {
        recorder.Record("typed_write", new { seconds, note });
        await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);
        return new CallToolResult
        {
            Content = [new TextContentBlock { Text = $"wrote {note}" }],
            StructuredContent = JsonSerializer.SerializeToElement(new { count = note.Length }),
        };
    }
}
