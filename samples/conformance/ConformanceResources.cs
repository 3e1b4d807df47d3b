using System.ComponentModel;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Portcullis.Samples.Conformance;

/// <summary>The resources of the suite's <c>resources-*</c> scenarios.</summary>
[McpServerResourceType]
internal sealed class ConformanceResources
{
    [McpServerResource(UriTemplate = "test://static-text", Name = "static-text", MimeType = "text/plain"), Description("A static text resource")]
    public static string StaticText() => "This is the content of the static text resource.";

    [McpServerResource(UriTemplate = "test://static-binary", Name = "static-binary", MimeType = "image/png"), Description("A static binary resource")]
    public static BlobResourceContents StaticBinary() => new() { Uri = "test://static-binary", MimeType = "image/png", Blob = Samples.Utf8(Samples.PngBase64) };

    [McpServerResource(UriTemplate = "test://template/{id}/data", Name = "template", MimeType = "application/json"), Description("A resource template")]
    public static async Task<TextResourceContents> Template(string id, RequestContext<ReadResourceRequestParams> context, CancellationToken cancellationToken)
    {
        // A read that asked for progress gets one report before its answer (what a relay must pass on in order).
        if (context.Params?.ProgressToken is { } token)
        {
            await context.Server.NotifyProgressAsync(token, new ProgressNotificationValue { Progress = 1, Total = 1 }, cancellationToken: cancellationToken);
        }

        return new()
        {
            Uri = $"test://template/{id}/data",
            MimeType = "application/json",
            Text = $$"""{"id":"{{id}}","templateTest":true,"data":"Data for ID: {{id}}"}""",
        };
    }

    [McpServerResource(UriTemplate = "test://watched-resource", Name = "watched-resource", MimeType = "text/plain"), Description("A resource clients may subscribe to")]
    public static string Watched() => "Watched resource content";
}
