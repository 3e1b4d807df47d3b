using Portcullis.Core.Upstreams.Credentials;

namespace Portcullis.Core.Tests.Upstreams;

/// <summary>Which credentials can be put in a header as they are: nothing that would end the header or be re-encoded.</summary>
public sealed class HeaderTextTests
{
    private static readonly Dictionary<string, string> Texts = new(StringComparer.Ordinal)
    {
        ["bearer"] = "Bearer abc.DEF-123_~+/=",
        ["tab"] = "Bearer\tabc",
        ["crlf"] = "Bearer abc\r\nX-Injected: yes",
        ["lf"] = "Bearer abc\nX-Injected: yes",
        ["nul"] = "Bearer abc\0",
        ["del"] = "Bearer abc\u007f",
        ["latin1"] = "Bearer ab\u00e9",
        ["jwt"] = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJnYXRld2F5In0.c2ln",
        ["spaced"] = "abc def",
    };

    [Theory]
    [InlineData("bearer", true)]
    [InlineData("tab", true)]
    [InlineData("spaced", true)]
    [InlineData("crlf", false)]
    [InlineData("lf", false)]
    [InlineData("nul", false)]
    [InlineData("del", false)]
    [InlineData("latin1", false)]
    public void IsSendableValue(string name, bool sendable) => Assert.Equal(sendable, HeaderText.IsSendableValue(Texts[name]));

    [Theory]
    [InlineData("jwt", true)]
    [InlineData("spaced", false)]
    [InlineData("tab", false)]
    [InlineData("crlf", false)]
    [InlineData("latin1", false)]
    public void IsSendableToken(string name, bool sendable) => Assert.Equal(sendable, HeaderText.IsSendableToken(Texts[name]));
}
