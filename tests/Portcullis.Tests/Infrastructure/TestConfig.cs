using System.Text.Json.Nodes;

namespace Portcullis.Tests.Infrastructure;

/// <summary>Builds gateway configs for tests, pointing at the built sample and fixture upstreams.</summary>
internal static class TestConfig
{
    /// <summary>
    /// The read tools of the fixture, CRM and conformance upstreams. Unpinned, the gateway trusts no upstream's
    /// <c>readOnlyHint</c>, so the connectors below declare these read-only in the config, as an operator would after
    /// reviewing them; a test that wants one as a write says <c>read_only: false</c> in its own policy.
    /// </summary>
    public static readonly IReadOnlySet<string> ReadTools = new HashSet<string>(StringComparer.Ordinal)
    {
        "echo", "rich", "fail", "protocol_error", "slow_read", "seen_meta", "env", "typed", "wait", "boom", "toggle_extra", "mutate_echo", "progress_burst", "raw_answer", "huge", "announce_tools_changed", "stderr_flood", "announce_list_changed", "exit_leaving_child", "spawn_own_session",
        "extra", "find_contact", "list_notes",
        "test_simple_text", "test_image_content", "test_audio_content", "test_embedded_resource", "test_multiple_content_types",
        "test_tool_with_logging", "test_tool_with_progress", "test_error_handling", "test_sampling", "test_touch_resource",
        "test_announce_prompts_changed", "test_wait_for_cancellation", "test_cancellation_count", "test_reconnection", "test_elicitation",
        "test_elicitation_sep1034_defaults", "test_elicitation_sep1330_enums",
    };

    public static JsonObject Gateway(params JsonObject[] connectors) => new()
    {
        ["environment"] = "test",
        ["connectors"] = new JsonArray([.. connectors]),
    };

    /// <summary>
    /// <paramref name="config"/> on a shared state store (<c>redis</c> or <c>postgres</c>) whose connection string the test
    /// wrote to the file <c>state-connection</c> beside the config, as replica <c>replica-0</c>, with a JSONL audit trail.
    /// </summary>
    public static JsonObject OnSharedStore(JsonObject config, string store)
    {
        config["state"] = new JsonObject { ["store"] = store, ["connection"] = "file:state-connection" };
        config["audit"] = new JsonObject { ["sink"] = "jsonl" };
        config["replica"] = new JsonObject { ["id"] = "replica-0", ["advertise_url"] = "http://127.0.0.1:0" };
        return config;
    }

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
            ["tools"] = DeclareReads(tools, allow),
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
        ["tools"] = DeclareReads(tools, allow ?? ["find_contact", "list_notes", "add_note"]),
    };

    /// <summary>An anonymous connector in front of an upstream served over Streamable HTTP.</summary>
    public static JsonObject HttpConnector(string server, string url, string[] allow, JsonObject? tools = null) => new()
    {
        ["server"] = server,
        ["environment"] = "test",
        ["upstream"] = new JsonObject { ["url"] = url },
        ["auth"] = new JsonObject { ["mode"] = "none" },
        ["tools_allow"] = new JsonArray([.. allow.Select(a => (JsonNode)a)]),
        ["tools"] = DeclareReads(tools, allow),
    };

    /// <summary>
    /// <paramref name="tools"/> (or a new policy object) with every allowed <see cref="ReadTools"/> entry declared
    /// <c>read_only: true</c>, unless its policy already says either way or puts it behind review.
    /// </summary>
    public static JsonObject DeclareReads(JsonObject? tools, IEnumerable<string> allow)
    {
        tools ??= new JsonObject();
        foreach (var name in allow.Where(ReadTools.Contains))
        {
            if (tools[name] is not JsonObject policy)
            {
                policy = new JsonObject();
                tools[name] = policy;
            }

            if (!policy.ContainsKey("read_only") && !policy.ContainsKey("review"))
            {
                policy["read_only"] = true;
            }
        }

        return tools;
    }

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
