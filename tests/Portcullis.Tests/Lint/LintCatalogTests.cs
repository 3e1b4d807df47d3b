using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Lint;

/// <summary>
/// The refusals serve makes once it sees the upstream's tools are lint errors too, computed by the same code against
/// the live fixture: every case of <see cref="CatalogRefusalCases"/>, in the words serve logs.
/// </summary>
public sealed class LintCatalogTests
{
    public static TheoryData<string> Cases => CatalogRefusalCases.Names;

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Lint_ToolTheCatalogKeepsOut_IsAnErrorInServesWords(string name)
    {
        var refusal = CatalogRefusalCases.Get(name);
        using var dir = new TempDir();

        var lint = await LintCli.RunAsync(TestConfig.Write(dir, refusal.Config.DeepClone().AsObject()), "--data-dir", dir.File("data"));

        Assert.Equal(2, lint.Exit);
        var finding = Assert.Single(lint.Of(refusal.Id));
        Assert.Equal("error", finding["severity"]!.GetValue<string>());
        Assert.Equal(refusal.Path, finding["path"]!.GetValue<string>());
        Assert.All(refusal.Texts, text => Assert.Contains(text, finding["message"]!.GetValue<string>(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Lint_DestructiveToolServeRefuses_PrintsTheMessageServeLogs()
    {
        var refusal = CatalogRefusalCases.Get("destructive-wipe");
        using var dir = new TempDir();
        var path = TestConfig.Write(dir, refusal.Config.DeepClone().AsObject());

        var lint = await LintCli.RunAsync(path, "--data-dir", dir.File("data"));
        await using var gateway = await GatewayProcess.StartAsync(path, dir.File("data"), waitReady: false);
        Assert.Equal(2, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(90)));

        var message = Assert.Single(lint.Of("destructive-not-opted-in"))["message"]!.GetValue<string>();
        // serve refuses before listening, with the errors at their paths in the same words as lint's.
        Assert.Contains("(found once the upstreams listed their tools)", gateway.Output, StringComparison.Ordinal);
        Assert.Contains(message, gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Portcullis is listening", gateway.Output, StringComparison.Ordinal);
    }
}
