using Portcullis.Core.Configuration;

namespace Portcullis.Core.Tests.Configuration;

/// <summary>A key written twice next to a value that must be left out: every error reported, no crash.</summary>
public sealed class ConfigDuplicateRepairTests : IDisposable
{
    private readonly string _base = Directory.CreateTempSubdirectory("portcullis-dup-repair-").FullName;

    public ConfigDuplicateRepairTests() => File.WriteAllText(Path.Combine(_base, "crm-server"), "");

    public void Dispose() => Directory.Delete(_base, recursive: true);

    /// <summary>Before, leaving the value out looked the key up in an object that names a key twice, and that threw an ArgumentException.</summary>
    [Theory]
    [InlineData("\"auth\": {", "\"auth\": { \"mode\": \"oauth\", \"mode\": \"oauth\", \"token_ttl_seconds\": \"3600\",", "$.connectors[0].auth.token_ttl_seconds")]
    [InlineData("\"upstream\": {", "\"upstream\": null, \"upstream\": null, \"x_upstream\": {", "$.connectors[0].upstream")]
    public void ReadText_KeyTwiceBesideAValueLeftOut_ReportsBoth(string from, string to, string path)
    {
        Assert.Contains(from, RefusedConfigs.Valid, StringComparison.Ordinal);

        var result = ConfigLoader.ReadText(RefusedConfigs.Valid.Replace(from, to, StringComparison.Ordinal), _base);

        Assert.Contains(result.Errors, e => e.Message.Contains("written twice", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Path == path);
    }
}
