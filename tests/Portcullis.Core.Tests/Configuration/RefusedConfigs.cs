namespace Portcullis.Core.Tests.Configuration;

/// <summary>
/// Every configuration the refusal tests refuse, in one table: the loader must refuse each one at its paths
/// (<see cref="ConfigRefusalTests"/>), and lint must report each error with the same message (the lint parity tests).
/// Relative paths resolve against a folder that holds an empty <c>crm-server</c> file.
/// </summary>
public static class RefusedConfigs
{
    public const string Valid = """
        {
          "environment": "prod",
          "listen": "http://127.0.0.1:8080",
          "identity": { "issuer": "https://login.example.com/", "jwks_uri": "https://login.example.com/keys" },
          "connectors": [
            {
              "server": "crm-mcp",
              "environment": "prod",
              "upstream": { "command": "./crm-server", "args": ["--db", "{data_dir}/crm.db"], "env": { "TOKEN": "env:CRM_TOKEN" } },
              "auth": { "scopes": ["contacts:read", "notes:write"] },
              "tools_allow": ["find_contact", "add_note"],
              "tools": {
                "find_contact": { "scopes": ["contacts:read"], "read_only": true },
                "add_note": { "scopes": ["notes:write"] }
              }
            }
          ]
        }
        """;

    public static readonly IReadOnlyList<RefusedConfig> All =
    [
        new("unknown-key-anywhere", Replace("\"read_only\": true", "\"readonly\": true"), ["$.connectors[0].tools.find_contact.readonly"]),
        new("unknown-key-near-miss", Replace("\"tools_allow\"", "\"tool_allow\": [], \"tools_allow\""), ["$.connectors[0].tool_allow"], Exactly: true,
            MessageContains: "unknown key 'tool_allow' (did you mean 'tools_allow'?)"),
        new("key-written-twice", Replace("\"auth\": { \"scopes\"", "\"auth\": { \"mode\": \"oauth\", \"mode\": \"none\", \"scopes\""), ["$.connectors[0].auth.mode"],
            MessageContains: "written twice"),
        new("half-a-surrogate-pair-in-a-value", Replace("\"read_only\": true", "\"read_only\": true, \"description\": \"a\\ud800b\""), ["$.connectors[0].tools.find_contact.description"],
            Exactly: true, MessageContains: "half of a UTF-16 surrogate pair"),
        new("half-a-surrogate-pair-in-a-key", Replace("\"tools_allow\"", "\"tools\\udc00allow\": [], \"tools_allow\""), ["$.connectors[0]"],
            Exactly: true, MessageContains: "its key number 5 holds half of a UTF-16 surrogate pair"),
        new("half-a-surrogate-pair-in-a-key-written-twice", Replace("\"listen\": \"http://127.0.0.1:8080\",", "\"listen\": \"http://127.0.0.1:8080\", \"x\\ud800\": 1, \"x\\ud800\": 2,"), ["$"],
            MessageContains: "holds half of a UTF-16 surrogate pair"),
        new("number-beyond-a-decimal-in-a-list-of-unique-items", Replace("\"auth\": { \"scopes\": [\"contacts:read\", \"notes:write\"] }", "\"auth\": { \"scopes\": [\"contacts:read\", 1e30] }"),
            ["$.connectors[0].auth.scopes[1]"], MessageContains: "expected a string"),
        new("listen-with-a-path", Replace("\"listen\": \"http://127.0.0.1:8080\"", "\"listen\": \"http://127.0.0.1:8080/mcp\""), ["$.listen"], Exactly: true),
        new("listen-https", Replace("\"listen\": \"http://127.0.0.1:8080\"", "\"listen\": \"https://127.0.0.1:8080\""), ["$.listen"], Exactly: true),
        new("listen-with-credentials", Replace("\"listen\": \"http://127.0.0.1:8080\"", "\"listen\": \"ftp://u:PASSW0RD@127.0.0.1:1\""), ["$.listen"],
            Secret: "PASSW0RD"),
        new("admin-listen-with-a-path", Replace("\"listen\": \"http://127.0.0.1:8080\",", "\"listen\": \"http://127.0.0.1:8080\", \"admin\": { \"listen\": \"http://127.0.0.1:9090/x\" },"),
            ["$.admin.listen"], Exactly: true),
        new("otlp-endpoint-with-credentials", Replace("\"listen\": \"http://127.0.0.1:8080\",", "\"listen\": \"http://127.0.0.1:8080\", \"telemetry\": { \"otlp_endpoint\": \"htps://user:s3cr3tT0ken@collector:4318\" },"),
            ["$.telemetry.otlp_endpoint"], Secret: "s3cr3tT0ken"),
        new("sessions-per-principal-zero", Replace("\"listen\": \"http://127.0.0.1:8080\",", "\"listen\": \"http://127.0.0.1:8080\", \"limits\": { \"max_sessions_per_principal\": 0 },"),
            ["$.limits.max_sessions_per_principal"], Exactly: true),
        new("sessions-per-principal-too-many", Replace("\"listen\": \"http://127.0.0.1:8080\",", "\"listen\": \"http://127.0.0.1:8080\", \"limits\": { \"max_sessions_per_principal\": 10001 },"),
            ["$.limits.max_sessions_per_principal"], Exactly: true),
        new("allowed-hosts-empty", Replace("\"listen\": \"http://127.0.0.1:8080\",", "\"listen\": \"http://127.0.0.1:8080\", \"allowed_hosts\": [],"), ["$.allowed_hosts"], Exactly: true),
        new("tool-policy-not-allow-listed", Replace("\"add_note\": { \"scopes\": [\"notes:write\"] }", "\"add_note\": { \"scopes\": [\"notes:write\"] }, \"add_notes\": { \"scopes\": [\"notes:write\"] }"),
            ["$.connectors[0].tools.add_notes"], Exactly: true),
        new("several-mistakes", """
            {
              "environment": "prod",
              "identity": { "jwks_uri": "not a url" },
              "idempotency": { "store": "mongo" },
              "connectors": [ { "server": "a b", "environment": "prod", "upstream": {}, "tools_allow": [], "extra": 1 } ]
            }
            """, ["$.identity.jwks_uri", "$.idempotency.store", "$.connectors[0].server", "$.connectors[0].upstream", "$.connectors[0].extra"]),
        new("semantic-mistakes", Valid
            .Replace("\"scopes\": [\"notes:write\"]", "\"scopes\": [\"notes:delete\"]", StringComparison.Ordinal)
            .Replace("\"environment\": \"prod\",\n      \"upstream\"", "\"environment\": \"staging\",\n      \"upstream\"", StringComparison.Ordinal)
            .Replace("\"scopes\": [\"contacts:read\"], \"read_only\": true", "\"read_only\": true", StringComparison.Ordinal),
            ["$.connectors[0].tools.add_note.scopes", "$.connectors[0].tools_allow[0]", "$.connectors[0].environment"]),
        new("wrong-types-and-semantic-mistakes", Valid
            .Replace("\"scopes\": [\"notes:write\"]", "\"scopes\": [\"notes:delete\"], \"timeout_seconds\": \"30\"", StringComparison.Ordinal)
            .Replace("\"read_only\": true", "\"read_only\": \"yes\"", StringComparison.Ordinal)
            .Replace("\"auth\": { \"scopes\"", "\"auth\": { \"token_ttl_seconds\": 1.5, \"scopes\"", StringComparison.Ordinal),
            ["$.connectors[0].tools.add_note.timeout_seconds", "$.connectors[0].tools.find_contact.read_only", "$.connectors[0].auth.token_ttl_seconds",
             "$.connectors[0].tools.add_note.scopes"], Exactly: true),
        new("anonymous-off-loopback", Replace("\"auth\": { \"scopes\"", "\"auth\": { \"mode\": \"none\", \"scopes\"").Replace("127.0.0.1", "0.0.0.0", StringComparison.Ordinal),
            ["$.connectors[0].auth.mode"]),
        new("anonymous-behind-public-url", Replace("\"auth\": { \"scopes\"", "\"auth\": { \"mode\": \"none\", \"scopes\"")
            .Replace("\"listen\": \"http://127.0.0.1:8080\",", "\"listen\": \"http://127.0.0.1:8080\", \"public_url\": \"https://mcp.example.com\",", StringComparison.Ordinal),
            ["$.connectors[0].auth.mode"]),
        new("write-timeout-not-shorter-than-lease", Replace("\"add_note\": { \"scopes\": [\"notes:write\"] }", "\"add_note\": { \"scopes\": [\"notes:write\"], \"timeout_seconds\": 600 }"),
            ["$.connectors[0].tools.add_note.timeout_seconds"], Exactly: true),
        new("secret-literal-in-headers", Replace(
            "\"command\": \"./crm-server\", \"args\": [\"--db\", \"{data_dir}/crm.db\"], \"env\": { \"TOKEN\": \"env:CRM_TOKEN\" }",
            "\"url\": \"https://crm.internal/mcp\", \"headers\": { \"Authorization\": \"Bearer abc\" }"),
            ["$.connectors[0].upstream.headers.Authorization"], Secret: "abc", Exactly: true),
        new("invalid-json", "{ \"environment\": ", ["$"], Exactly: true, MessageContains: "line 1"),
        new("unknown-upstream-protocol-version", Replace("\"args\"", "\"protocol_version\": \"2024-01-01\", \"args\""), ["$.connectors[0].upstream.protocol_version"]),
        new("bad-resource-patterns", Replace("\"tools_allow\"", "\"resources_allow\": [\"ok://x\", \"a*b\", \"test://{id\"], "
            + "\"resources\": { \"ok://x\": { \"scopes\": [\"contacts:read\"] }, \"a*b\": { \"scopes\": [\"contacts:read\"] }, \"test://{id\": { \"scopes\": [\"contacts:read\"] } }, \"tools_allow\""),
            ["$.connectors[0].resources_allow[1]", "$.connectors[0].resources_allow[2]"], Exactly: true),
        new("overlay-bad-shape", Replace("\"add_note\": { \"scopes\": [\"notes:write\"] }",
            "\"add_note\": { \"scopes\": [\"notes:write\"], \"input_schema\": {\"minProperties\": 1, \"properties\": {\"body\": {\"pattern\": \"((\", \"maxLength\": -1}}} }"),
            ["$.connectors[0].tools.add_note.input_schema.minProperties", "$.connectors[0].tools.add_note.input_schema.properties.body.pattern",
             "$.connectors[0].tools.add_note.input_schema.properties.body.maxLength"]),
        new("oauth-client-secret-literal", Auth(upstream: """
            { "url": "https://crm.internal/mcp", "oauth": { "token_url": "https://login.example.com/token", "client_id": "gw", "client_secret": "hunter2" } }
            """), ["$.connectors[0].upstream.oauth.client_secret"], Secret: "hunter2"),
        new("oauth-mistakes", Auth(upstream: """
            { "command": "crm", "headers": { "Authorization": "env:X", "bad name": "env:Y" },
              "oauth": { "token_url": "http://login.example.com/token", "client_id": "gw", "client_secret": "env:S", "extra": 1 } }
            """), ["$.connectors[0].upstream.oauth", "$.connectors[0].upstream.oauth.token_url", "$.connectors[0].upstream.oauth.extra",
                   "$.connectors[0].upstream.headers.Authorization", "$.connectors[0].upstream.headers"]),
        new("upstream-headers-owned-by-http-and-mcp", Auth(upstream: """
            { "url": "https://crm.internal/mcp", "headers": { "Transfer-Encoding": "env:A", "mcp-session-id": "env:B", "X-Api-Key": "env:C" } }
            """), ["$.connectors[0].upstream.headers['Transfer-Encoding']", "$.connectors[0].upstream.headers['mcp-session-id']"], Exactly: true),
        new("upstream-url-with-user-info", Auth(upstream: """
            { "url": "https://gw:PASSW0RD@crm.internal/mcp" }
            """), ["$.connectors[0].upstream.url"], Exactly: true, Secret: "PASSW0RD"),
        new("upstream-url-unparsable-with-user-info", Auth(upstream: """
            { "url": "https://gw:PASSW0RD@crm.internal:99999/mcp" }
            """), ["$.connectors[0].upstream.url"], Exactly: true, Secret: "PASSW0RD", MessageContains: "is not a valid http(s) URL"),
        new("upstream-token-url-with-user-info", Auth(upstream: """
            { "url": "https://crm.internal/mcp", "oauth": { "token_url": "https://gw:PASSW0RD@login.example.com/token", "client_id": "gw", "client_secret": "env:S" } }
            """), ["$.connectors[0].upstream.oauth.token_url"], Exactly: true, Secret: "PASSW0RD"),
        new("identity-jwks-with-user-info", Auth(identity: """{ "issuer": "https://login.example.com/", "jwks_uri": "https://gw:PASSW0RD@login.example.com/keys" }"""),
            ["$.identity.jwks_uri"], Exactly: true, Secret: "PASSW0RD"),
        new("upstream-headers-plain-http", Auth(upstream: """
            { "url": "http://crm.internal/mcp", "headers": { "Authorization": "env:CRM_TOKEN" } }
            """), ["$.connectors[0].upstream.url"], Exactly: true, MessageContains: "the upstream is sent credentials (headers)"),
        new("upstream-oauth-plain-http", Auth(upstream: """
            { "url": "http://10.0.0.7:8080/mcp", "oauth": { "token_url": "https://login.example.com/token", "client_id": "gw", "client_secret": "env:S" } }
            """), ["$.connectors[0].upstream.url"], Exactly: true, MessageContains: "the upstream is sent credentials (an OAuth token)"),
        new("otlp-secret-headers-plain-http", Replace("\"listen\": \"http://127.0.0.1:8080\",",
            "\"listen\": \"http://127.0.0.1:8080\", \"telemetry\": { \"otlp_endpoint\": \"http://collector:4318\", \"otlp_headers\": { \"api-key\": \"env:OTLP_KEY\" } },"),
            ["$.telemetry.otlp_endpoint"], Exactly: true, MessageContains: "the collector is sent credentials"),
        new("oauth-missing-client-id", Auth(upstream: """
            { "url": "https://crm.internal/mcp", "oauth": { "token_url": "https://login.example.com/token", "client_secret": "env:S" } }
            """), ["$.connectors[0].upstream.oauth"], MessageContains: "the required key 'client_id' is missing"),
        new("identity-jwks-plain-http", Auth(identity: """{ "issuer": "https://login.example.com/", "jwks_uri": "http://login.example.com/keys" }"""), ["$.identity.jwks_uri"]),
        new("identity-authority-plain-http", Auth(identity: """{ "authority": "http://login.example.com/" }"""), ["$.identity.authority"]),
        new("identity-without-issuer", Auth(identity: """{ "jwks_uri": "https://login.example.com/keys" }"""), ["$.identity"]),
        new("identity-authority-and-jwks", Auth(identity: """{ "authority": "https://login.example.com/", "jwks_uri": "https://login.example.com/keys" }"""), ["$.identity"],
            MessageContains: "not both"),
        new("identity-without-keys", Auth(identity: """{ "issuer": "https://login.example.com/" }"""), ["$.identity"]),
        new("identity-dev-with-issuer", Auth(identity: """{ "dev": true, "issuer": "https://login.example.com/" }"""), ["$.identity"]),
        new("identity-clock-skew-too-long", Auth(identity: """{ "issuer": "https://login.example.com/", "jwks_uri": "https://login.example.com/keys", "clock_skew_seconds": 3600 }"""),
            ["$.identity.clock_skew_seconds"]),
        new("identity-empty-environment-claim", Auth(identity: """{ "issuer": "https://login.example.com/", "jwks_uri": "https://login.example.com/keys", "environment_claim": "" }"""),
            ["$.identity.environment_claim"]),
        new("identity-empty-subject-claim", Auth(identity: """{ "issuer": "https://login.example.com/", "jwks_uri": "https://login.example.com/keys", "subject_claim": "" }"""),
            ["$.identity.subject_claim"], Exactly: true),
        new("identity-subject-claim-not-a-claim-name", Auth(identity: """{ "issuer": "https://login.example.com/", "jwks_uri": "https://login.example.com/keys", "subject_claim": "o id" }"""),
            ["$.identity.subject_claim"], Exactly: true, MessageContains: "must be a claim name"),
        // Keyed by the client or the audience, every person of one client would be one principal (and one reviewer).
        new("identity-subject-claim-names-the-client", Auth(identity: """{ "issuer": "https://login.example.com/", "jwks_uri": "https://login.example.com/keys", "subject_claim": "azp" }"""),
            ["$.identity.subject_claim"], Exactly: true, MessageContains: "does not name the person calling"),
        new("identity-subject-claim-is-the-environment-claim", Auth(identity: """{ "issuer": "https://login.example.com/", "jwks_uri": "https://login.example.com/keys", "environment_claim": "tenant", "subject_claim": "tenant" }"""),
            ["$.identity.subject_claim"], Exactly: true, MessageContains: "does not name the person calling"),
        new("identity-dev-off-loopback", Auth(listen: "http://0.0.0.0:8080", identity: """{ "dev": true }"""), ["$.identity.dev"]),
        new("idempotency-store-moved", Idempotency("""{ "store": "redis" }"""), ["$.idempotency.store"], MessageContains: "state.store"),
        new("idempotency-connection-moved", Idempotency("""{ "connection": "env:STORE_URL" }"""), ["$.idempotency.connection"], MessageContains: "state.connection"),
        new("redis-state-with-store-audit", Networked("""{ "store": "redis", "connection": "env:STATE" }""", """{ "id": "gw-a", "advertise_url": "http://10.0.0.5:8080" }"""),
            ["$.audit.sink"], Exactly: true, MessageContains: "set audit.sink to jsonl"),
        new("advertise-port-zero-without-id", Networked("""{ "store": "postgres", "connection": "env:STATE" }""", """{ "advertise_url": "http://10.0.0.5:0" }"""),
            ["$.replica.id"], Exactly: true),
        new("zero-retention-and-lease", Idempotency("""{ "retention_hours": 0, "lease_seconds": 0 }"""), ["$.idempotency.retention_hours", "$.idempotency.lease_seconds"]),
        new("serve-several-mistakes", """
            {
              "environment": "test",
              "listen": "http://127.0.0.1:1",
              "idempotency": { "store": "mongo", "retention_hours": 0 },
              "connectors": [
                {
                  "server": "crm",
                  "environment": "test",
                  "upstream": { "command": "dotnet" },
                  "auth": { "mode": "none" },
                  "tool_allow": ["find_contact"],
                  "tools_allow": ["find_contact"]
                },
                { "server": "crm", "environment": "test", "upstream": { "command": "x", "url": "http://a" }, "tools_allow": [] }
              ]
            }
            """, ["$.idempotency.store", "$.idempotency.retention_hours", "$.connectors[0].tool_allow", "$.connectors[1].upstream", "$.connectors[1].server"]),
    ];

    public static TheoryData<string> Names => [.. All.Select(c => c.Name)];

    public static RefusedConfig Get(string name) => All.Single(c => c.Name == name);

    private static string Replace(string from, string to)
    {
        Assert.Contains(from, Valid, StringComparison.Ordinal);
        return Valid.Replace(from, to, StringComparison.Ordinal);
    }

    private static string Auth(string listen = "http://127.0.0.1:8080",
        string identity = """{ "issuer": "https://login.example.com/", "jwks_uri": "https://login.example.com/keys" }""",
        string upstream = """{ "url": "https://crm.internal/mcp" }""") => $$"""
        {
          "environment": "prod",
          "listen": "{{listen}}",
          "identity": {{identity}},
          "connectors": [
            {
              "server": "crm-mcp",
              "environment": "prod",
              "upstream": {{upstream}},
              "auth": { "scopes": ["contacts:read"] },
              "tools_allow": ["find_contact"],
              "tools": { "find_contact": { "scopes": ["contacts:read"], "read_only": true } }
            }
          ]
        }
        """;

    /// <summary>A valid config but for its <c>state</c> and <c>replica</c> sections.</summary>
    private static string Networked(string state, string replica)
    {
        var config = System.Text.Json.Nodes.JsonNode.Parse(Auth())!;
        config["state"] = System.Text.Json.Nodes.JsonNode.Parse(state);
        config["replica"] = System.Text.Json.Nodes.JsonNode.Parse(replica);
        return config.ToJsonString();
    }

    private static string Idempotency(string idempotency) => $$"""
        {
          "environment": "dev",
          "listen": "http://127.0.0.1:8080",
          "idempotency": {{idempotency}},
          "connectors": [
            { "server": "crm", "environment": "dev", "upstream": { "url": "http://127.0.0.1:9/mcp" },
              "auth": { "mode": "none" }, "tools_allow": ["add_note"] }
          ]
        }
        """;
}
