using System.ComponentModel;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Portcullis.Samples.Conformance;

/// <summary>The tools the suite's <c>tools-*</c> scenarios call. All are read-only, so the gateway asks no idempotency key.</summary>
[McpServerToolType]
internal sealed class ConformanceTools
{
    [McpServerTool(Name = "test_simple_text", ReadOnly = true), Description("Returns simple text content")]
    public static string SimpleText() => "This is a simple text response for testing.";

    [McpServerTool(Name = "test_image_content", ReadOnly = true), Description("Returns image content")]
    public static ImageContentBlock Image() => new() { Data = Samples.Utf8(Samples.PngBase64), MimeType = "image/png" };

    [McpServerTool(Name = "test_audio_content", ReadOnly = true), Description("Returns audio content")]
    public static AudioContentBlock Audio() => new() { Data = Samples.Utf8(Samples.WavBase64), MimeType = "audio/wav" };

    [McpServerTool(Name = "test_embedded_resource", ReadOnly = true), Description("Returns an embedded resource")]
    public static EmbeddedResourceBlock Embedded() => new()
    {
        Resource = new TextResourceContents { Uri = "test://embedded-resource", MimeType = "text/plain", Text = "This is an embedded resource content." },
    };

    [McpServerTool(Name = "test_multiple_content_types", ReadOnly = true), Description("Returns text, image and resource content")]
    public static ContentBlock[] Mixed() =>
    [
        new TextContentBlock { Text = "Multiple content types test:" },
        new ImageContentBlock { Data = Samples.Utf8(Samples.PngBase64), MimeType = "image/png" },
        new EmbeddedResourceBlock
        {
            Resource = new TextResourceContents { Uri = "test://mixed-content-resource", MimeType = "application/json", Text = """{"test":"data","value":123}""" },
        },
    ];

    [McpServerTool(Name = "test_tool_with_logging", ReadOnly = true), Description("Sends log messages while it runs")]
    public static async Task<string> WithLogging(McpServer server, CancellationToken cancellationToken)
    {
        foreach (var message in new[] { "Tool execution started", "Tool processing data", "Tool execution completed" })
        {
            await server.SendNotificationAsync(
                NotificationMethods.LoggingMessageNotification,
                new LoggingMessageNotificationParams { Level = LoggingLevel.Info, Logger = "conformance", Data = JsonSerializer.SerializeToElement(message) },
                cancellationToken: cancellationToken);
            await Task.Delay(50, cancellationToken);
        }

        return "Tool with logging executed successfully";
    }

    [McpServerTool(Name = "test_tool_with_progress", ReadOnly = true), Description("Reports progress while it runs")]
    public static async Task<string> WithProgress(McpServer server, RequestContext<CallToolRequestParams> context, CancellationToken cancellationToken)
    {
        if (context.Params?.ProgressToken is not { } token)
        {
            return "No progress token provided";
        }

        foreach (var progress in new[] { 0, 50, 100 })
        {
            await server.NotifyProgressAsync(token, new ProgressNotificationValue { Progress = progress, Total = 100 }, cancellationToken: cancellationToken);
            await Task.Delay(50, cancellationToken);
        }

        return token.ToString() ?? "";
    }

    [McpServerTool(Name = "test_error_handling", ReadOnly = true), Description("Always fails")]
    public static string Failing() => throw new McpException("This tool intentionally returns an error for testing");

    [McpServerTool(Name = "test_sampling", ReadOnly = true), Description("Asks the client's model to complete a prompt")]
    public static async Task<string> Sampling(McpServer server, [Description("The prompt to send")] string prompt, CancellationToken cancellationToken)
    {
        var result = await server.SampleAsync(
            new CreateMessageRequestParams
            {
                Messages = [new SamplingMessage { Role = Role.User, Content = [new TextContentBlock { Text = prompt }] }],
                MaxTokens = 100,
            },
            cancellationToken);
        var text = result.Content.OfType<TextContentBlock>().FirstOrDefault()?.Text ?? "";
        return $"LLM response: {text}";
    }

    [McpServerTool(Name = "test_touch_resource", ReadOnly = true), Description("Announces that a resource changed (notifications/resources/updated), to a client subscribed to it")]
    public static async Task<string> TouchResource(McpServer server, Subscriptions subscriptions, [Description("The resource URI")] string uri, CancellationToken cancellationToken)
    {
        // As a server that keeps its clients' subscriptions does: a resource nobody subscribed to is announced to nobody.
        if (!subscriptions.Holds(uri))
        {
            return $"Nobody is subscribed to {uri}";
        }

        await server.SendNotificationAsync(NotificationMethods.ResourceUpdatedNotification, new ResourceUpdatedNotificationParams { Uri = uri }, cancellationToken: cancellationToken);
        return $"Announced an update of {uri}";
    }

    [McpServerTool(Name = "test_announce_prompts_changed", ReadOnly = true), Description("Sends notifications/prompts/list_changed")]
    public static async Task<string> AnnouncePromptsChanged(McpServer server, CancellationToken cancellationToken)
    {
        await server.SendNotificationAsync(NotificationMethods.PromptListChangedNotification, cancellationToken);
        return "Announced";
    }

    private static int s_cancelled;

    [McpServerTool(Name = "test_wait_for_cancellation", ReadOnly = true), Description("Reports progress once, then waits until the call is cancelled")]
    public static async Task<string> WaitForCancellation(McpServer server, RequestContext<CallToolRequestParams> context, CancellationToken cancellationToken)
    {
        if (context.Params?.ProgressToken is { } token)
        {
            await server.NotifyProgressAsync(token, new ProgressNotificationValue { Progress = 0 }, cancellationToken: cancellationToken);
        }

        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Interlocked.Increment(ref s_cancelled);
            throw;
        }

        return "never";
    }

    [McpServerTool(Name = "test_cancellation_count", ReadOnly = true), Description("How many calls of test_wait_for_cancellation were cancelled")]
    public static string CancellationCount() => Volatile.Read(ref s_cancelled).ToString(System.Globalization.CultureInfo.InvariantCulture);

    [McpServerTool(Name = "test_reconnection", ReadOnly = true), Description("Completes at once")]
    public static string Reconnection() => "Reconnection test completed successfully";

    /// <summary>A tool whose input schema uses JSON Schema 2020-12 keywords, kept exactly as written.</summary>
    public static McpServerTool JsonSchema202012Tool()
    {
        var tool = McpServerTool.Create(
            () => "JSON Schema 2020-12 tool executed successfully",
            new McpServerToolCreateOptions { Name = "json_schema_2020_12_tool", Description = "Tool with JSON Schema 2020-12 features", ReadOnly = true });
        tool.ProtocolTool.InputSchema = JsonElement.Parse("""
            {
              "$schema": "https://json-schema.org/draft/2020-12/schema",
              "type": "object",
              "$defs": {
                "address": {
                  "$anchor": "addressDef",
                  "type": "object",
                  "properties": { "street": { "type": "string" }, "city": { "type": "string" } }
                }
              },
              "properties": {
                "name": { "type": "string" },
                "address": { "$ref": "#/$defs/address" },
                "contactMethod": { "type": "string", "enum": ["phone", "email"] },
                "phone": { "type": "string" },
                "email": { "type": "string" }
              },
              "allOf": [{ "anyOf": [{ "required": ["phone"] }, { "required": ["email"] }] }],
              "if": { "properties": { "contactMethod": { "const": "phone" } }, "required": ["contactMethod"] },
              "then": { "required": ["phone"] },
              "else": { "required": ["email"] },
              "additionalProperties": false
            }
            """);
        return tool;
    }
}
