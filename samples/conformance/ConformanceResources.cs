using System.ComponentModel;
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
    public static TextResourceContents Template(string id) => new()
    {
        Uri = $"test://template/{id}/data",
        MimeType = "application/json",
        Text = $$"""{"id":"{{id}}","templateTest":true,"data":"Data for ID: {{id}}"}""",
    };

    [McpServerResource(UriTemplate = "test://watched-resource", Name = "watched-resource", MimeType = "text/plain"), Description("A resource clients may subscribe to")]
    public static string Watched() => "Watched resource content";
}
