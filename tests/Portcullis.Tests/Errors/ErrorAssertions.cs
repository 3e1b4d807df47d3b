using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace Portcullis.Tests.Errors;

/// <summary>Checks that a tool result is the gateway's error envelope, and that it leaks nothing.</summary>
internal static class ErrorAssertions
{
    private static readonly string[] Forbidden =
    [
        "hunter2", "password", "10.1.2.3", "127.0.0.1", "/srv/", "/tmp/", "/work/", "Exception", "   at ", "Connection refused", "localhost",
    ];

    public static JsonObject AssertError(CallToolResult result, string code, bool retryable)
    {
        Assert.True(result.IsError, "expected isError: true");
        var structured = JsonNode.Parse(result.StructuredContent!.Value.GetRawText())!.AsObject();
        var text = Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
        Assert.Equal(structured.ToJsonString(), JsonNode.Parse(text)!.ToJsonString());
        var error = structured["error"]!.AsObject();
        Assert.Equal(code, error["code"]!.GetValue<string>());
        Assert.Equal(retryable, error["retryable"]!.GetValue<bool>());
        Assert.False(string.IsNullOrEmpty(error["correlation_id"]?.GetValue<string>()));
        AssertLeaksNothing(text);
        return error;
    }

    public static void AssertLeaksNothing(string text)
    {
        foreach (var forbidden in Forbidden)
        {
            Assert.DoesNotContain(forbidden, text, StringComparison.OrdinalIgnoreCase);
        }
    }
}
