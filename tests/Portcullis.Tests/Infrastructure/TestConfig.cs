using System.Text.Json.Nodes;

namespace Portcullis.Tests.Infrastructure;

/// <summary>Builds gateway configs for tests, pointing at the built sample and fixture upstreams.</summary>
internal static class TestConfig
{
    public static JsonObject Gateway(params JsonObject[] connectors) => new()
    {
        ["environment"] = "test",
        ["connectors"] = new JsonArray([.. connectors]),
    };

    /// <summary>An anonymous connector (auth mode none) in front of the fixture upstream over stdio.</summary>
    public static JsonObject FixtureConnector(string server, string[] allow, string? recordPath = null, JsonObject? tools = null)
    {
        var args = new JsonArray(RepoPaths.Fixture);
        if (recordPath is not null)
        {
            args.Add("--record");
            args.Add(recordPath);
        }

        return new JsonObject
        {
            ["server"] = server,
            ["environment"] = "test",
            ["upstream"] = new JsonObject { ["command"] = "dotnet", ["args"] = args },
            ["auth"] = new JsonObject { ["mode"] = "none" },
            ["tools_allow"] = new JsonArray([.. allow.Select(a => (JsonNode)a)]),
            ["tools"] = tools ?? new JsonObject(),
        };
    }

    /// <summary>An anonymous connector in front of the sample CRM, its database in the data dir.</summary>
    public static JsonObject CrmConnector(string server = "crm", JsonObject? tools = null, string[]? allow = null) => new()
    {
        ["server"] = server,
        ["environment"] = "test",
        ["upstream"] = new JsonObject
        {
            ["command"] = "dotnet",
            ["args"] = new JsonArray(RepoPaths.Crm, "--db", "{data_dir}/crm.db"),
        },
        ["auth"] = new JsonObject { ["mode"] = "none" },
        ["tools_allow"] = new JsonArray([.. (allow ?? ["find_contact", "list_notes", "add_note"]).Select(a => (JsonNode)a)]),
        ["tools"] = tools ?? new JsonObject(),
    };

    /// <summary>An anonymous connector in front of an upstream served over Streamable HTTP.</summary>
    public static JsonObject HttpConnector(string server, string url, string[] allow, JsonObject? tools = null) => new()
    {
        ["server"] = server,
        ["environment"] = "test",
        ["upstream"] = new JsonObject { ["url"] = url },
        ["auth"] = new JsonObject { ["mode"] = "none" },
        ["tools_allow"] = new JsonArray([.. allow.Select(a => (JsonNode)a)]),
        ["tools"] = tools ?? new JsonObject(),
    };

    /// <summary>Turns <paramref name="connector"/> into an oauth connector granted <paramref name="scopes"/>.</summary>
    public static JsonObject Protect(JsonObject connector, string[] scopes, bool stepUp = false, int ttlSeconds = 3600)
    {
        connector["auth"] = new JsonObject
        {
            ["mode"] = "oauth",
            ["scopes"] = new JsonArray([.. scopes.Select(s => (JsonNode)s)]),
            ["token_ttl_seconds"] = ttlSeconds,
            ["step_up"] = stepUp,
        };
        return connector;
    }

    /// <summary>A tool policy: <c>{ "scopes": [...], "read_only": readOnly }</c>.</summary>
    public static JsonObject Tool(string[] scopes, bool readOnly = true) => new()
    {
        ["scopes"] = new JsonArray([.. scopes.Select(s => (JsonNode)s)]),
        ["read_only"] = readOnly,
    };

    public static string Write(TempDir dir, JsonObject config, string name = "portcullis.json")
    {
        var path = dir.File(name);
        File.WriteAllText(path, config.ToJsonString());
        return path;
    }
}
