using Portcullis.Core.Errors;

namespace Portcullis.Core.Tests.Errors;

public sealed class ErrorCatalogTests
{
    [Fact]
    public void EveryCode_IsDocumentedInErrorsMd_WithItsRetryableValue()
    {
        var docs = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "errors.md"));

        foreach (var code in ErrorCatalog.All)
        {
            var heading = $"### `{code.Code}`";
            Assert.Contains(heading, docs, StringComparison.Ordinal);
            var section = docs[(docs.IndexOf(heading, StringComparison.Ordinal) + heading.Length)..];
            var end = section.IndexOf("### ", StringComparison.Ordinal);
            section = end >= 0 ? section[..end] : section;
            Assert.Contains($"Retryable: **{(code.Retryable ? "yes" : "no")}**", section, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Catalog_HasNoDuplicateCodes_AndDocsNameNoUnknownCode()
    {
        var codes = ErrorCatalog.All.Select(c => c.Code).ToList();
        Assert.Equal(codes.Count, codes.Distinct().Count());

        var docs = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "errors.md"));
        var documented = System.Text.RegularExpressions.Regex.Matches(docs, "### `([a-z_]+)`").Select(m => m.Groups[1].Value);
        Assert.All(documented, d => Assert.Contains(d, codes));
    }

    [Fact]
    public void Envelope_CarriesTheSameJsonAsStructuredAndText()
    {
        var error = new GatewayError(ErrorCatalog.RateLimited, "Slow down.") { RetryAfterSeconds = 5 };

        var result = ErrorEnvelope.ToResult(error, "abc");

        Assert.True(result.IsError);
        var text = Assert.IsType<ModelContextProtocol.Protocol.TextContentBlock>(Assert.Single(result.Content)).Text;
        Assert.Equal(
            System.Text.Json.Nodes.JsonNode.Parse(text)!.ToJsonString(),
            System.Text.Json.Nodes.JsonNode.Parse(result.StructuredContent!.Value.GetRawText())!.ToJsonString());
        var body = result.StructuredContent!.Value.GetProperty("error");
        Assert.Equal("rate_limited", body.GetProperty("code").GetString());
        Assert.True(body.GetProperty("retryable").GetBoolean());
        Assert.Equal(5, body.GetProperty("retry_after_seconds").GetInt32());
        Assert.Equal("abc", body.GetProperty("correlation_id").GetString());
    }

    internal static string RepoRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Portcullis.slnx")))
        {
            directory = directory.Parent;
        }

        return directory!.FullName;
    }
}
