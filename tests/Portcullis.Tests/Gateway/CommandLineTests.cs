using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Gateway;

/// <summary>A mistake in the command line itself is a usage error: exit 2, the mistake named on standard error, nothing else.</summary>
public sealed class CommandLineTests
{
    [Theory]
    [InlineData("Cannot parse argument '99999999999' for option '--limit'", "audit", "--config", "portcullis.json", "--limit", "99999999999")]
    [InlineData("Unrecognized command or argument '--bogus'", "serve", "--config", "portcullis.json", "--bogus")]
    [InlineData("Required argument missing for option: '--config'", "lint", "--config")]
    [InlineData("Option '--config' is required", "pin")]
    [InlineData("Unrecognized command or argument 'bogus'", "bogus")]
    public async Task ParseError_ExitsTwo_NamingTheMistake_WithoutHelpOrStackTrace(string mistake, params string[] args)
    {
        var (exit, stdout, output) = await PortcullisCli.RunAsync(args);

        Assert.True(exit == 2, output);
        Assert.Contains(mistake, output, StringComparison.Ordinal);
        Assert.Contains("--help'.", output, StringComparison.Ordinal);
        Assert.Equal("", stdout);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Before, a data dir the verb could not create or read (a path through a file, a folder of the service's user)
    /// ended token, lint and pin with an unhandled exception and its stack trace; serve named it.
    /// </summary>
    [Theory]
    [InlineData("token", "--connector", "crm-mcp", "--scopes", "contacts:read")]
    [InlineData("lint")]
    [InlineData("pin")]
    public async Task DataDirUnusable_ExitsTwo_NamingIt_WithoutStackTrace(string verb, params string[] args)
    {
        using var temp = new TempDir();
        File.WriteAllText(temp.File("a-file"), "");
        var dataDir = Path.Combine(temp.File("a-file"), "data");

        var (exit, _, output) = await PortcullisCli.RunAsync([verb, "--config", Path.Combine(RepoPaths.Root, "samples", "crm", "portcullis.json"), "--data-dir", dataDir, .. args]);

        Assert.True(exit == 2, output);
        Assert.Contains($"The data dir {dataDir} cannot be used", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoArguments_PrintsTheCommands()
    {
        var (exit, stdout, output) = await PortcullisCli.RunAsync();

        Assert.True(exit == 0, output);
        foreach (var verb in new[] { "serve", "lint", "pin", "token", "audit" })
        {
            Assert.Contains(verb, stdout, StringComparison.Ordinal);
        }
    }
}
