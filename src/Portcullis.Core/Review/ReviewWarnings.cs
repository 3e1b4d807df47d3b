using System.Text.Json;
using System.Text.Json.Nodes;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Review;

/// <summary>
/// A review's <c>warnings</c>: what a reviewer should know about its arguments before deciding, in a form a program reads.
/// The one builder behind the admin API's review (which the console shows) and the review webhook's summary. Today the
/// words that mix scripts (<see cref="MixedScripts"/>): <c>{"code": "mixed_scripts", "path", "in": "value" | "key",
/// "word", "scripts", "letters": [{"letter", "code_point", "script"}], "message"}</c>, at most
/// <see cref="MixedScripts.MaxWarnings"/>; <c>warnings_truncated</c> beside the list says whether it was cut there.
/// </summary>
internal static class ReviewWarnings
{
    /// <summary>
    /// The warnings of <paramref name="argumentsJson"/>, the arguments as reviewers see them (redacted fields replaced), and
    /// whether the list was cut (<c>warnings_truncated</c>: more words than it holds mix scripts).
    /// </summary>
    public static (JsonArray List, bool Truncated) Of(string argumentsJson)
    {
        using var arguments = JsonDocument.Parse(argumentsJson, new JsonDocumentOptions { MaxDepth = 256 });
        var found = MixedScripts.Find(arguments.RootElement);
        return (new JsonArray([.. found.Select(w => (JsonNode)new JsonObject
        {
            ["code"] = MixedScriptWarning.Code,
            ["path"] = w.Pointer,
            ["in"] = w.InKey ? "key" : "value",
            ["word"] = w.Word,
            ["scripts"] = new JsonArray([.. w.Scripts.Select(s => (JsonNode?)s)]),
            ["letters"] = new JsonArray([.. w.Letters.Select(l => (JsonNode)new JsonObject
            {
                ["letter"] = l.Letter.ToString(),
                ["code_point"] = l.CodePoint,
                ["script"] = l.Script,
            })]),
            ["message"] = w.Summary,
        })]), found.Truncated);
    }
}
