using System.Buffers.Text;
using System.Text;
using Portcullis.Core.Idempotency;
using Portcullis.Core.State;

namespace Portcullis.Core.Tests.State;

/// <summary>Text a client decoded from an opaque id reaches a store only when every store keeps it as given.</summary>
public sealed class StoredTextTests
{
    /// <summary>By name: xUnit's theory data would carry a lone surrogate through its serializer as U+FFFD.</summary>
    private static readonly Dictionary<string, string> Texts = new()
    {
        ["empty"] = "",
        ["subject and client id"] = "alice\u001fclient-1",
        ["a surrogate pair"] = "emoji \ud83d\ude00 pair",
        ["a NUL"] = "nul \0 inside",
        ["a lone high surrogate"] = "lone high \ud800",
        ["a lone low surrogate"] = "\udc00 lone low",
        ["a pair reversed"] = "reversed \ude00\ud83d",
    };

    [Theory]
    [InlineData("empty", true)]
    [InlineData("subject and client id", true)]
    [InlineData("a surrogate pair", true)]
    [InlineData("a NUL", false)]
    [InlineData("a lone high surrogate", false)]
    [InlineData("a lone low surrogate", false)]
    [InlineData("a pair reversed", false)]
    public void IsStorable_NulAndLoneSurrogatesAreNot(string text, bool storable) =>
        Assert.Equal(storable, StoredText.IsStorable(Texts[text]));

    /// <summary>Before, such an id reached PostgreSQL, which refused the query: the admin API answered 500, not 404.</summary>
    [Theory]
    [InlineData("subject and client id", true)]
    [InlineData("a surrogate pair", true)]
    [InlineData("a NUL", false)]
    [InlineData("a lone high surrogate", false)]
    [InlineData("a pair reversed", false)]
    public void RecordId_WithAPartNoStoreKeeps_NamesNoKey(string text, bool storable)
    {
        var principal = Texts[text];
        // Written as a client would, every character escaped: a serializer would write a lone surrogate as U+FFFD.
        var escaped = string.Concat(principal.Select(c => $"\\u{(int)c:x4}"));
        var id = Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"[\"prod\",\"crm\",\"{escaped}\",\"delete_contact\",\"k-1\"]"));

        Assert.Equal(storable, IdempotencyRecordId.TryParse(id, out var scope));
        if (storable)
        {
            Assert.Equal(principal, scope.Principal);
        }
    }
}
