using Portcullis.Core.Configuration;

namespace Portcullis.Core.Tests.Configuration;

/// <summary>Config errors read as sentences: the key that was meant, the expected type, the allowed values.</summary>
public sealed class ConfigErrorWordsTests : IDisposable
{
    private readonly string _base = Directory.CreateTempSubdirectory("portcullis-words-").FullName;

    public ConfigErrorWordsTests() => File.WriteAllText(Path.Combine(_base, "crm-server"), "");

    public void Dispose() => Directory.Delete(_base, recursive: true);

    private IReadOnlyList<ConfigError> Errors(string from, string to)
    {
        Assert.Contains(from, RefusedConfigs.Valid, StringComparison.Ordinal);
        return ConfigLoader.ReadText(RefusedConfigs.Valid.Replace(from, to, StringComparison.Ordinal), _base).Errors;
    }

    private string Message(IReadOnlyList<ConfigError> errors, string path) =>
        Assert.Single(errors, e => e.Path == path).Message;

    [Theory]
    [InlineData("\"tools_allow\"", "\"tool_allow\": [], \"tools_allow\"", "$.connectors[0].tool_allow", "unknown key 'tool_allow' (did you mean 'tools_allow'?)")]
    [InlineData("\"read_only\": true", "\"readonly\": true", "$.connectors[0].tools.find_contact.readonly", "unknown key 'readonly' (did you mean 'read_only'?)")]
    [InlineData("\"environment\": \"prod\",\n  \"listen\"", "\"enviroment\": \"prod\", \"environment\": \"prod\",\n  \"listen\"", "$.enviroment", "unknown key 'enviroment' (did you mean 'environment'?)")]
    [InlineData("\"auth\": {", "\"auth\": { \"scope\": [],", "$.connectors[0].auth.scope", "unknown key 'scope' (did you mean 'scopes'?)")]
    public void Read_UnknownKeyCloseToAKnownOne_SuggestsIt(string from, string to, string path, string message) =>
        Assert.Equal(message, Message(Errors(from, to), path));

    [Fact]
    public void Read_UnknownKeyFarFromEveryKnownOne_ListsTheKnownKeys()
    {
        var message = Message(Errors("\"auth\": {", "\"auth\": { \"color\": 1,"), "$.connectors[0].auth.color");

        Assert.Equal("unknown key 'color'; known keys here: mode, scopes, token_ttl_seconds, step_up, allow_multiple_audiences", message);
    }

    [Theory]
    [InlineData("\"auth\": {", "\"auth\": { \"token_ttl_seconds\": \"3600\",", "$.connectors[0].auth.token_ttl_seconds", "expected a whole number, got a string")]
    [InlineData("\"auth\": {", "\"auth\": { \"token_ttl_seconds\": 1.5,", "$.connectors[0].auth.token_ttl_seconds", "expected a whole number, got a number with a fraction")]
    [InlineData("\"read_only\": true", "\"read_only\": \"yes\"", "$.connectors[0].tools.find_contact.read_only", "expected true or false, got a string")]
    [InlineData("\"tools_allow\": [\"find_contact\", \"add_note\"]", "\"tools_allow\": \"find_contact\"", "$.connectors[0].tools_allow", "expected an array ([ ... ]), got a string")]
    [InlineData("\"environment\": \"prod\",\n  \"listen\"", "\"environment\": \"prod\", \"limits\": 5,\n  \"listen\"", "$.limits", "expected an object ({ ... }), got a whole number")]
    public void Read_WrongType_NamesTheExpectedTypeInWords(string from, string to, string path, string message) =>
        Assert.Equal(message, Message(Errors(from, to), path));

    [Theory]
    [InlineData("\"auth\": {", "\"auth\": { \"mode\": \"basic\",", "$.connectors[0].auth.mode", "must be one of 'oauth', 'none'")]
    [InlineData("\"auth\": {", "\"auth\": { \"token_ttl_seconds\": 0,", "$.connectors[0].auth.token_ttl_seconds", "must be at least 1")]
    [InlineData("\"auth\": {", "\"auth\": { \"token_ttl_seconds\": 90000,", "$.connectors[0].auth.token_ttl_seconds", "must be at most 86400")]
    [InlineData("\"server\": \"crm-mcp\"", "\"server\": \"crm mcp\"", "$.connectors[0].server", "must start with a letter or digit and hold only letters, digits, '.', '_' and '-' (at most 64 characters)")]
    [InlineData("\"env\": { \"TOKEN\": \"env:CRM_TOKEN\" }", "\"env\": {}, \"working_dir\": \"\"", "$.connectors[0].upstream.working_dir", "must not be empty")]
    [InlineData("\"tools_allow\": [\"find_contact\", \"add_note\"]", "\"tools_allow\": [\"find_contact\", \"find_contact\", \"add_note\"]", "$.connectors[0].tools_allow", "lists the same value more than once")]
    public void Read_ValueOutOfBounds_SaysWhatIsAllowed(string from, string to, string path, string message) =>
        Assert.Equal(message, Message(Errors(from, to), path));

    [Fact]
    public void Read_MissingRequiredKeys_NamesEachOne()
    {
        var errors = Errors("\"server\": \"crm-mcp\",\n      \"environment\": \"prod\",", "");

        Assert.Contains(errors, e => e.Path == "$.connectors[0]" && e.Message == "the required key 'server' is missing");
        Assert.Contains(errors, e => e.Path == "$.connectors[0]" && e.Message == "the required key 'environment' is missing");
    }

    [Fact]
    public void Read_SecretWrittenWhereAReferenceBelongs_IsRefusedWithoutRepeatingIt()
    {
        var errors = Errors("\"command\": \"./crm-server\", \"args\": [\"--db\", \"{data_dir}/crm.db\"], \"env\": { \"TOKEN\": \"env:CRM_TOKEN\" }",
            "\"url\": \"https://crm.internal/mcp\", \"headers\": { \"X-Api-Key\": \"sk-live-123\" }");

        var message = Message(errors, "$.connectors[0].upstream.headers['X-Api-Key']");
        Assert.Equal("must be a secret reference, env:NAME or file:PATH (the secret itself never belongs in the file)", message);
        Assert.DoesNotContain(errors, e => e.Message.Contains("sk-live", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_WrongTypeBesideSemanticMistakes_ReportsBothInOnePass()
    {
        var json = RefusedConfigs.Valid
            .Replace("\"auth\": {", "\"auth\": { \"step_up\": \"no\",", StringComparison.Ordinal)
            .Replace("\"scopes\": [\"notes:write\"]", "\"scopes\": [\"notes:delete\"]", StringComparison.Ordinal);

        var result = ConfigLoader.ReadText(json, _base);

        Assert.Equal(["$.connectors[0].auth.step_up", "$.connectors[0].tools.add_note.scopes"], result.Errors.Select(e => e.Path).Order(StringComparer.Ordinal));
        Assert.NotNull(result.Config);
    }

    [Fact]
    public void Read_WrongTypeOfAValueOthersDependOn_LeavesTheDependentChecksQuiet()
    {
        // With connectors unreadable there is nothing to check them against; only the type error is reported.
        var result = ConfigLoader.ReadText("""{ "environment": "prod", "connectors": { "server": "x" } }""", _base);

        var error = Assert.Single(result.Errors);
        Assert.Equal("$.connectors", error.Path);
        Assert.Equal("expected an array ([ ... ]), got an object", error.Message);
    }
}
