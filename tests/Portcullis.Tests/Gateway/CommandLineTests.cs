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
    [InlineData("--log-level 'warn': one of trace, debug, information, warning, error, critical, none.", "serve", "--config", "portcullis.json", "--log-level", "warn")]
    [InlineData("--log-level '7': one of trace", "serve", "--config", "portcullis.json", "--log-level", "7")]
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

    /// <summary>
    /// Before, a byte that is not UTF-8 was read as U+FFFD and the config served on with an environment no token names;
    /// and a folder given as --config was "a file that does not exist".
    /// </summary>
    [Theory]
    [InlineData("serve")]
    [InlineData("lint")]
    [InlineData("token")]
    public async Task ConfigNotUtf8OrAFolder_ExitsTwo_SayingWhatItIs(string verb)
    {
        using var temp = new TempDir();
        var sample = File.ReadAllText(Path.Combine(RepoPaths.Root, "samples", "crm", "portcullis.json"));
        var latin1 = Path.Combine(temp.Path, "latin1.json");
        // The sample is ASCII; its environment, gateway's and connector's, saved as Latin-1 by an editor.
        File.WriteAllBytes(latin1, System.Text.Encoding.Latin1.GetBytes(sample.Replace("\"environment\": \"dev\"", "\"environment\": \"d\u00e9v\"", StringComparison.Ordinal)));
        string[] rest = verb switch
        {
            "serve" => ["--listen", "http://127.0.0.1:0", "--admin-listen", "http://127.0.0.1:0"],
            "lint" => ["--offline"],
            _ => ["--connector", "crm-mcp", "--scopes", "contacts:read"],
        };

        var (exit, stdout, output) = await PortcullisCli.RunAsync([verb, "--config", latin1, "--data-dir", temp.File("data"), .. rest]);
        Assert.True(exit == 2, output);
        Assert.Contains("is not UTF-8 text: line 3 holds a byte sequence that is not UTF-8; save the file as UTF-8", output, StringComparison.Ordinal);
        Assert.DoesNotContain("eyJ", stdout, StringComparison.Ordinal);

        (exit, _, output) = await PortcullisCli.RunAsync([verb, "--config", temp.Path, "--data-dir", temp.File("data"), .. rest]);
        Assert.True(exit == 2, output);
        Assert.Contains($"'{temp.Path}' is a folder, not a file: give the path of the config file itself", output, StringComparison.Ordinal);
        Assert.DoesNotContain("does not exist", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Before, a FIFO given as --config hung every verb until something wrote to it, and /dev/zero or a huge file was
    /// read into memory whole (a huge one then refused as JSON that does not parse, /dev/zero never).
    /// </summary>
    [Theory]
    [InlineData("fifo", "serve", "is not a regular file (a FIFO, a device or a socket)")]
    [InlineData("fifo", "token", "is not a regular file (a FIFO, a device or a socket)")]
    [InlineData("huge", "lint", "is larger than 16 MiB, far more than a config holds")]
    [InlineData("huge", "token", "is larger than 16 MiB, far more than a config holds")]
    [InlineData("device", "serve", "is not a regular file (a FIFO, a device or a socket)")]
    public async Task ConfigNotARegularFileOrHuge_ExitsTwo_NamingIt(string kind, string verb, string problem)
    {
        using var temp = new TempDir();
        var path = kind switch
        {
            "device" => "/dev/zero",
            _ => temp.File("portcullis.json"),
        };
        if (kind == "fifo")
        {
            await SpecialFiles.MakeFifoAsync(path);
        }
        else if (kind == "huge")
        {
            // Its first bytes are the sample, so only its size is wrong.
            SpecialFiles.MakeHuge(path, File.ReadAllBytes(Path.Combine(RepoPaths.Root, "samples", "crm", "portcullis.json")));
        }

        string[] rest = verb switch
        {
            "serve" => ["--listen", "http://127.0.0.1:0", "--admin-listen", "http://127.0.0.1:0"],
            "lint" => ["--offline"],
            _ => ["--connector", "crm-mcp", "--scopes", "contacts:read"],
        };

        var (exit, stdout, output) = await PortcullisCli.RunAsync([verb, "--config", path, "--data-dir", temp.File("data"), .. rest]);

        Assert.True(exit == 2, output);
        Assert.Contains($"'{path}' {problem}", output.Replace("the file '", "'", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("eyJ", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Before, a development signing key emptied or replaced in the data dir ended token and serve with the PEM reader's
    /// unhandled exception and its stack trace.
    /// </summary>
    [Theory]
    [InlineData("token", "--connector", "crm-mcp", "--scopes", "contacts:read")]
    [InlineData("serve", "--listen", "http://127.0.0.1:0", "--admin-listen", "http://127.0.0.1:0")]
    public async Task DevSigningKeyDamaged_ExitsTwo_NamingIt_WithoutStackTrace(string verb, params string[] args)
    {
        using var temp = new TempDir();
        var dataDir = temp.File("data");
        Directory.CreateDirectory(dataDir);
        var key = Path.Combine(dataDir, "dev-signing-key.pem");
        File.WriteAllText(key, "");

        var (exit, stdout, output) = await PortcullisCli.RunAsync([verb, "--config", Path.Combine(RepoPaths.Root, "samples", "crm", "portcullis.json"), "--data-dir", dataDir, .. args]);

        Assert.True(exit == 2, output);
        Assert.Contains($"The development identity's signing key {key} is not an RSA private key in PEM", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        Assert.DoesNotContain("eyJ", stdout, StringComparison.Ordinal);
    }

    /// <summary>Before, a FIFO in place of the development signing key hung token and serve until something wrote to it.</summary>
    [Theory]
    [InlineData("token", "--connector", "crm-mcp", "--scopes", "contacts:read")]
    [InlineData("serve", "--listen", "http://127.0.0.1:0", "--admin-listen", "http://127.0.0.1:0")]
    public async Task DevSigningKeyAFifo_ExitsTwo_NamingIt(string verb, params string[] args)
    {
        using var temp = new TempDir();
        var dataDir = temp.File("data");
        Directory.CreateDirectory(dataDir);
        var key = Path.Combine(dataDir, "dev-signing-key.pem");
        await SpecialFiles.MakeFifoAsync(key);

        var (exit, stdout, output) = await PortcullisCli.RunAsync([verb, "--config", Path.Combine(RepoPaths.Root, "samples", "crm", "portcullis.json"), "--data-dir", dataDir, .. args]);

        Assert.True(exit == 2, output);
        Assert.Contains($"The development identity's signing key {key} is not an RSA private key in PEM ({key} is not a regular file", output, StringComparison.Ordinal);
        Assert.DoesNotContain("eyJ", stdout, StringComparison.Ordinal);
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
