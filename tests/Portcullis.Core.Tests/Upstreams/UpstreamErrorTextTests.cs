using CsCheck;
using Portcullis.Core.Upstreams;

namespace Portcullis.Core.Tests.Upstreams;

/// <summary>The status text of a failed upstream attempt: the reason in words, never a credential, never long.</summary>
public sealed class UpstreamErrorTextTests
{
    [Theory]
    [InlineData("Connection refused (crm.internal:8443)", "Connection refused (crm.internal:8443)")]
    [InlineData("POST https://user:pa55@crm.internal/mcp?token=t0k failed", "POST https://crm.internal/… failed")]
    [InlineData("Response status code does not indicate success: 401 (Unauthorized).", "Response status code does not indicate success: 401 (Unauthorized).")]
    [InlineData("header Authorization: Bearer abc.def.ghi rejected", "header Authorization: [redacted] [redacted] rejected")]
    [InlineData("x-api-key=\"s3cr3t value\" refused", "x-api-key=[redacted] refused")]
    [InlineData("client_secret: zzz; password=hunter2", "client_secret: [redacted]; password=[redacted]")]
    [InlineData("key 0123456789abcdef0123456789abcdef01234567 unknown", "key [redacted] unknown")]
    [InlineData("line one\n   line two", "line one line two")]
    [InlineData("signed with access_key=AKIAEXAMPLE and sig=abc123", "signed with access_key=[redacted] and sig=[redacted]")]
    [InlineData("token 0123456789abcdef0123456789abcdef refused", "token [redacted] refused")]
    public void Sanitize_KnownShapes_ReasonKeptCredentialsRemoved(string text, string expected) =>
        Assert.Equal(expected, UpstreamErrorText.Sanitize(text));

    [Fact]
    public void Sanitize_AnyText_AtMostTheCapAndNoUrlCredentials() =>
        Gen.String[0, 40].Select(Gen.String[Gen.Char.AlphaNumeric, 1, 12], (text, secret) => (text, secret)).Sample(t =>
        {
            var safe = UpstreamErrorText.Sanitize($"{t.text} https://u:{t.secret}@h.example/p?q={t.secret} {t.text}");
            Assert.True(safe.Length <= UpstreamErrorText.MaxStatusLength, safe);
            Assert.Contains("https://h.example/…", safe, StringComparison.Ordinal);
            Assert.DoesNotContain(":" + t.secret + "@", safe, StringComparison.Ordinal);
        });

    [Theory]
    [InlineData("Connection refused (crm.internal:8443)", "Connection refused ([address])")]
    [InlineData("POST https://crm.internal/… failed", "POST [address] failed")]
    [InlineData("No route to host 10.1.2.3", "No route to host [address]")]
    [InlineData("Connection refused [::1]:8443", "Connection refused [address]")]
    [InlineData("the upstream process exited with code 3", "the upstream process exited with code 3")]
    public void WithoutAddresses_ForReadyz_NamesNoAddress(string text, string expected) =>
        Assert.Equal(expected, UpstreamErrorText.WithoutAddresses(text));

    [Fact]
    public void ForStatus_ExceptionChain_DistinctMessagesJoined() =>
        Assert.Equal(
            "cannot start: MCP server process exited unexpectedly (exit code: 3)",
            UpstreamErrorText.ForStatus(new InvalidOperationException("cannot start", new IOException("MCP server process exited unexpectedly (exit code: 3)"))));
}
