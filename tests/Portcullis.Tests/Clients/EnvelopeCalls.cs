using System.Text.Json.Nodes;

namespace Portcullis.Tests.Clients;

/// <summary>
/// The calls every client makes on the sample's <c>add_note</c> (which declares an outputSchema), and what each must
/// show: the error envelope with its code (and the path at fault), or a plain result.
/// </summary>
internal static class EnvelopeCalls
{
    public static IReadOnlyList<EnvelopeCall> For(string run) =>
    [
        new("add_note", Note("hello", visibility: "public", key: $"{run}-invalid"), "invalid_arguments", "/visibility"),
        new("add_note", Note("no key", visibility: null, key: null), "idempotency_key_missing", null),
        new("add_note", Note("first", visibility: "shared", key: $"{run}-once"), null, null),
        new("add_note", Note("second", visibility: "shared", key: $"{run}-once"), "idempotency_key_reused", null),
        new("find_contact", new JsonObject { ["query"] = "Lovelace" }, null, null),
    ];

    /// <summary>Checks one outcome, given as the result's JSON (isError, structuredContent, content).</summary>
    public static void AssertOutcome(EnvelopeCall call, JsonObject result)
    {
        var because = $"{call.Tool} {call.Arguments.ToJsonString()} -> {result.ToJsonString()}";
        var structured = result["structuredContent"] as JsonObject;
        Assert.True(structured is not null, because);
        if (call.Code is null)
        {
            Assert.True(result["isError"]?.GetValue<bool>() != true, because);
            Assert.False(structured.ContainsKey("error"), because);
            return;
        }

        Assert.True(result["isError"]?.GetValue<bool>() == true, because);
        var error = structured["error"]!.AsObject();
        Assert.Equal(call.Code, error["code"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(error["correlation_id"]?.GetValue<string>()), because);
        if (call.Path is not null)
        {
            Assert.Contains(call.Path, error["details"]!.AsArray().Select(d => d!["path"]!.GetValue<string>()));
        }

        // Text-only clients read the same envelope.
        var text = result["content"]!.AsArray().Single()!["text"]!.GetValue<string>();
        Assert.Equal(structured.ToJsonString(), JsonNode.Parse(text)!.ToJsonString());
    }

    private static JsonObject Note(string body, string? visibility, string? key)
    {
        var arguments = new JsonObject { ["contact_id"] = "c-1001", ["body"] = body };
        if (visibility is not null)
        {
            arguments["visibility"] = visibility;
        }

        if (key is not null)
        {
            arguments["idempotency_key"] = key;
        }

        return arguments;
    }
}

/// <summary>One call and the error code it must answer with (null: a plain result), and the path the details must name.</summary>
internal sealed record EnvelopeCall(string Tool, JsonObject Arguments, string? Code, string? Path);
