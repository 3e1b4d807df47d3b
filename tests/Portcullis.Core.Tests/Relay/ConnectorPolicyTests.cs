using Portcullis.Core.Configuration;
using Portcullis.Core.Relay;
using Portcullis.Core.Security;

namespace Portcullis.Core.Tests.Relay;

/// <summary>Resources and prompts are judged per caller: every entry covering a URI adds its scopes, the shortest timeout wins.</summary>
public sealed class ConnectorPolicyTests
{
    private static readonly ConnectorPolicy Policy = new(new ConnectorConfig
    {
        Server = "docs",
        Auth = new AuthConfig { Scopes = ["docs:read", "docs:secret", "docs:prompt"] },
        ResourcesAllow = ["docs://*", "docs://secret/{id}", "docs://public"],
        Resources = new()
        {
            ["docs://*"] = new AccessConfig { Scopes = ["docs:read"], TimeoutSeconds = 30 },
            ["docs://secret/{id}"] = new AccessConfig { Scopes = ["docs:secret"], TimeoutSeconds = 5 },
            ["docs://public"] = new AccessConfig { Scopes = ["docs:read"] },
        },
        PromptsAllow = ["summarize"],
        Prompts = new() { ["summarize"] = new AccessConfig { Scopes = ["docs:prompt"], TimeoutSeconds = 7 } },
    });

    private static CallerIdentity Caller(params string[] scopes) => new("alice", null, new HashSet<string>(scopes, StringComparer.Ordinal));

    [Theory]
    [InlineData("docs://guide", "docs:read", true)]
    [InlineData("docs://guide", "docs:secret", false)]
    [InlineData("docs://secret/7", "docs:read", false)]
    [InlineData("docs://secret/7", "docs:secret", false)]
    [InlineData("docs://secret/7", "docs:read docs:secret", true)]
    [InlineData("other://x", "docs:read docs:secret", false)]
    public void AllowsUri_EveryCoveringEntry_AddsItsScopes(string uri, string scopes, bool allowed)
    {
        Assert.Equal(allowed, Policy.AllowsUri(uri, Caller(scopes.Split(' '))));
    }

    [Fact]
    public void AllowsTemplateAndPrompt_NeedTheirScopes()
    {
        Assert.True(Policy.AllowsTemplate("docs://secret/{id}", Caller("docs:read", "docs:secret")));
        Assert.False(Policy.AllowsTemplate("docs://secret/{id}", Caller("docs:read")));
        Assert.True(Policy.AllowsPrompt("summarize", Caller("docs:prompt")));
        Assert.False(Policy.AllowsPrompt("summarize", Caller("docs:read")));
        Assert.False(Policy.AllowsPrompt("other", Caller("docs:prompt")));
    }

    [Fact]
    public void Timeouts_ShortestCoveringEntry_ElseTheDefault()
    {
        Assert.Equal(TimeSpan.FromSeconds(5), Policy.ResourceTimeout("docs://secret/7"));
        Assert.Equal(TimeSpan.FromSeconds(30), Policy.ResourceTimeout("docs://guide"));
        Assert.Equal(TimeSpan.FromSeconds(7), Policy.PromptTimeout("summarize"));
        Assert.Equal(TimeSpan.FromSeconds(ConfigDefaults.CallTimeoutSeconds), Policy.ResourceTimeout("other://x"));
    }

    [Fact]
    public void AnonymousConnector_ChecksOnlyTheAllowLists()
    {
        var anonymous = new ConnectorPolicy(new ConnectorConfig { Auth = new AuthConfig { Mode = "none" }, ResourcesAllow = ["docs://*"], PromptsAllow = ["p"] });

        Assert.True(anonymous.AllowsUri("docs://x", CallerIdentity.Anonymous));
        Assert.True(anonymous.AllowsPrompt("p", CallerIdentity.Anonymous));
        Assert.False(anonymous.AllowsUri("other://x", CallerIdentity.Anonymous));
    }
}
