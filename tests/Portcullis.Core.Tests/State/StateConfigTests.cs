using System.Text.Json.Nodes;
using Portcullis.Core.Configuration;

namespace Portcullis.Core.Tests.State;

public sealed class StateConfigTests : IDisposable
{
    private readonly string _base = Directory.CreateTempSubdirectory("portcullis-state-config-").FullName;

    public void Dispose() => Directory.Delete(_base, recursive: true);

    [Theory]
    [InlineData("store", "\"redis\"", "state.store")]
    [InlineData("store", "\"sqlite\"", "state.store")]
    [InlineData("connection", "\"env:STORE_URL\"", "state.connection")]
    public void Parse_OldIdempotencyStoreKeys_AreRefusedNamingTheNewKeys(string key, string value, string newKey)
    {
        var json = Config(idempotency: $$"""{ "{{key}}": {{value}} }""");

        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(json, _base, "test.json"));

        var error = Assert.Single(ex.Errors, e => e.Path == $"$.idempotency.{key}");
        Assert.Contains(newKey, error.Message, StringComparison.Ordinal);
        Assert.Contains("moved", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("redis")]
    [InlineData("postgres")]
    public void Parse_NetworkedStore_NeedsConnectionAndAdvertiseUrl(string store)
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(Config(state: $$"""{ "store": "{{store}}" }"""), _base, "test.json"));

        var paths = ex.Errors.Select(e => e.Path).ToHashSet();
        Assert.Contains("$.state.connection", paths);
        Assert.Contains("$.replica.advertise_url", paths);
    }

    [Theory]
    [InlineData("redis")]
    [InlineData("postgres")]
    public void Parse_NetworkedStoreWithDevIdentity_IsRefusedPointingToARealProvider(string store)
    {
        var json = Config(state: $$"""{ "store": "{{store}}", "connection": "env:STATE" }""", replica: """{ "advertise_url": "http://127.0.0.1:8080" }""",
            identity: """{ "dev": true }""");

        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(json, _base, "test.json"));

        var error = Assert.Single(ex.Errors, e => e.Path == "$.identity.dev");
        Assert.Contains("identity.issuer", error.Message, StringComparison.Ordinal);
        Assert.Contains("jwks_uri", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("redis")]
    [InlineData("postgres")]
    public void Parse_NetworkedStoreWithRealIdentity_Loads(string store)
    {
        var config = ConfigLoader.Parse(
            Config(state: $$"""{ "store": "{{store}}", "connection": "file:state.txt" }""", replica: """{ "advertise_url": "http://10.0.0.5:8080", "id": "gw-a" }""",
                audit: store == "redis" ? """{ "sink": "jsonl" }""" : "{}"),
            _base, "test.json");

        Assert.True(config.State.IsNetworked);
        Assert.Equal("gw-a", config.Replica.Id);
    }

    [Fact]
    public void Parse_ConnectionWrittenInline_IsRefused()
    {
        var json = Config(state: """{ "store": "redis", "connection": "localhost:6379,password=hunter2" }""", replica: """{ "advertise_url": "http://127.0.0.1:8080" }""");

        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(json, _base, "test.json"));

        Assert.Contains(ex.Errors, e => e.Path == "$.state.connection");
        Assert.DoesNotContain("hunter2", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://10.0.0.5:8080/mcp")]
    [InlineData("ftp://10.0.0.5")]
    public void Parse_AdvertiseUrlWithPathOrOtherScheme_IsRefused(string url)
    {
        var json = Config(state: """{ "store": "postgres", "connection": "env:STATE" }""", replica: new JsonObject { ["advertise_url"] = url }.ToJsonString());

        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(json, _base, "test.json"));

        Assert.Contains(ex.Errors, e => e.Path == "$.replica.advertise_url");
    }

    [Fact]
    public void Parse_RedisWithTheStoreAuditSink_IsRefusedNamingJsonlAndPostgres()
    {
        var json = Config(state: """{ "store": "redis", "connection": "env:STATE" }""", replica: """{ "advertise_url": "http://10.0.0.5:8080" }""");

        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(json, _base, "test.json"));

        var error = Assert.Single(ex.Errors);
        Assert.Equal("$.audit.sink", error.Path);
        Assert.Contains("jsonl", error.Message, StringComparison.Ordinal);
        Assert.Contains("postgres", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("jsonl")]
    [InlineData("none")]
    public void Parse_RedisWithAnotherAuditSink_Loads(string sink)
    {
        var json = Config(state: """{ "store": "redis", "connection": "env:STATE" }""", replica: """{ "advertise_url": "http://10.0.0.5:8080" }""",
            audit: new JsonObject { ["sink"] = sink }.ToJsonString());

        Assert.Equal(sink, ConfigLoader.Parse(json, _base, "test.json").Audit.Sink);
    }

    [Fact]
    public void Parse_AdvertiseUrlOnPortZero_NeedsAReplicaId()
    {
        var without = Config(state: """{ "store": "postgres", "connection": "env:STATE" }""", replica: """{ "advertise_url": "http://10.0.0.5:0" }""");
        var with = Config(state: """{ "store": "postgres", "connection": "env:STATE" }""", replica: """{ "advertise_url": "http://10.0.0.5:0", "id": "gw-a" }""");

        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(without, _base, "test.json"));

        Assert.Equal("$.replica.id", Assert.Single(ex.Errors).Path);
        Assert.Equal("http://10.0.0.5:0", ConfigLoader.Parse(with, _base, "test.json").Replica.AdvertiseUrl);
    }

    [Fact]
    public void Parse_SqliteWithConnection_IsRefused()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(Config(state: """{ "store": "sqlite", "connection": "env:X" }"""), _base, "test.json"));

        Assert.Contains(ex.Errors, e => e.Path == "$.state.connection");
    }

    [Fact]
    public void Load_AdvertiseUrlOverride_WinsOverTheFile()
    {
        var path = Path.Combine(_base, "portcullis.json");
        File.WriteAllText(path, Config(state: """{ "store": "redis", "connection": "env:STATE" }""", replica: """{ "advertise_url": "http://10.0.0.5:8080" }""",
            audit: """{ "sink": "jsonl" }"""));

        var config = ConfigLoader.Load(path, new ConfigOverrides(AdvertiseUrl: "http://10.0.0.6:8080", ReplicaId: "gw-b"));

        Assert.Equal("http://10.0.0.6:8080", config.Replica.AdvertiseUrl);
        Assert.Equal("gw-b", config.Replica.Id);
    }

    private static string Config(string idempotency = "{}", string state = "{}", string replica = "{}", string? identity = null, string audit = "{}")
    {
        var root = new JsonObject
        {
            ["audit"] = JsonNode.Parse(audit),
            ["environment"] = "dev",
            ["listen"] = "http://127.0.0.1:8080",
            ["idempotency"] = JsonNode.Parse(idempotency),
            ["state"] = JsonNode.Parse(state),
            ["replica"] = JsonNode.Parse(replica),
            ["identity"] = JsonNode.Parse(identity ?? """{ "issuer": "https://login.example.com/", "jwks_uri": "https://login.example.com/keys" }"""),
            ["connectors"] = JsonNode.Parse("""
                [{ "server": "crm", "environment": "dev", "upstream": { "url": "http://127.0.0.1:9/mcp" },
                   "auth": { "mode": "oauth", "scopes": ["notes:write"] }, "tools_allow": ["add_note"], "tools": { "add_note": { "scopes": ["notes:write"] } } }]
                """),
        };
        return root.ToJsonString();
    }
}
