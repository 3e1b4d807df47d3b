using Portcullis.Core.Configuration;

namespace Portcullis.Core.Tests.Configuration;

/// <summary>A JSON <c>null</c> where the config takes a value is an error at its path, never a crash.</summary>
public sealed class ConfigNullTests : IDisposable
{
    private readonly string _base = Directory.CreateTempSubdirectory("portcullis-nulls-").FullName;

    public ConfigNullTests() => File.WriteAllText(Path.Combine(_base, "crm-server"), "");

    public void Dispose() => Directory.Delete(_base, recursive: true);

    /// <summary>Before, the schema reported each of these, and then the checks that followed threw a NullReferenceException.</summary>
    [Theory]
    [InlineData("\"connectors\": [", "\"connectors\": [null,", "$.connectors[0]")]
    [InlineData("\"upstream\": {", "\"upstream\": null, \"x_upstream\": {", "$.connectors[0].upstream")]
    [InlineData("\"auth\": {", "\"auth\": null, \"x_auth\": {", "$.connectors[0].auth")]
    [InlineData("\"identity\": {", "\"identity\": null, \"x_identity\": {", "$.identity")]
    [InlineData("\"listen\":", "\"limits\": null, \"state\": null, \"review\": null, \"listen\":", "$.limits")]
    [InlineData("\"tools_allow\": [", "\"tools_allow\": [null, ", "$.connectors[0].tools_allow[0]")]
    [InlineData("\"add_note\": {", "\"delete_note\": null, \"add_note\": {", "$.connectors[0].tools.delete_note")]
    [InlineData("\"args\": [", "\"args\": [null, ", "$.connectors[0].upstream.args[0]")]
    [InlineData("\"tools_allow\"", "\"resources_allow\": [null], \"tools_allow\"", "$.connectors[0].resources_allow[0]")]
    public void ReadText_NullWhereAValueBelongs_ReportsItAtItsPath(string from, string to, string path)
    {
        Assert.Contains(from, RefusedConfigs.Valid, StringComparison.Ordinal);

        var result = ConfigLoader.ReadText(RefusedConfigs.Valid.Replace(from, to, StringComparison.Ordinal), _base);

        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Path == path && e.Message.Contains("got null", StringComparison.Ordinal));
    }

    [Fact]
    public void ReadText_NullInsideAnInputSchema_IsKept()
    {
        var result = ConfigLoader.ReadText(RefusedConfigs.Valid.Replace(
            "\"read_only\": true", "\"read_only\": true, \"input_schema\": { \"properties\": { \"query\": { \"enum\": [\"a\", null] } } }", StringComparison.Ordinal), _base);

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
    }
}
