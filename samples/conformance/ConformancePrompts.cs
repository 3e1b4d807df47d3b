using System.ComponentModel;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Portcullis.Samples.Conformance;

/// <summary>The prompts of the suite's <c>prompts-*</c> scenarios.</summary>
[McpServerPromptType]
internal sealed class ConformancePrompts
{
    [McpServerPrompt(Name = "test_simple_prompt"), Description("A prompt without arguments")]
    public static string Simple() => "This is a simple prompt for testing.";

    [McpServerPrompt(Name = "test_prompt_with_arguments"), Description("A prompt with arguments")]
    public static async Task<string> WithArguments(
        [Description("First test argument")] string arg1, [Description("Second test argument")] string arg2, RequestContext<GetPromptRequestParams> context, CancellationToken cancellationToken)
    {
        // A get that asked for progress gets one report before its answer (what a relay must pass on in order).
        if (context.Params?.ProgressToken is { } token)
        {
            await context.Server.NotifyProgressAsync(token, new ProgressNotificationValue { Progress = 1, Total = 1 }, cancellationToken: cancellationToken);
        }

        return $"Prompt with arguments: arg1='{arg1}', arg2='{arg2}'";
    }

    [McpServerPrompt(Name = "test_prompt_with_embedded_resource"), Description("A prompt with an embedded resource")]
    public static IEnumerable<PromptMessage> WithResource([Description("URI of the resource to embed")] string resourceUri) =>
    [
        new() { Role = Role.User, Content = new EmbeddedResourceBlock { Resource = new TextResourceContents { Uri = resourceUri, MimeType = "text/plain", Text = "Embedded resource content for testing." } } },
        new() { Role = Role.User, Content = new TextContentBlock { Text = "Please process the embedded resource above." } },
    ];

    [McpServerPrompt(Name = "test_prompt_with_image"), Description("A prompt with an image")]
    public static IEnumerable<PromptMessage> WithImage() =>
    [
        new() { Role = Role.User, Content = new ImageContentBlock { MimeType = "image/png", Data = Samples.Utf8(Samples.PngBase64) } },
        new() { Role = Role.User, Content = new TextContentBlock { Text = "Please analyze the image above." } },
    ];
}
