using System.Text.Json.Nodes;
using Portcullis.Testing.Servers;

namespace Portcullis.Tests.Infrastructure;

/// <summary>One replica of several sharing a Redis state store: the fixture connector <c>fx</c> (echo), its own home and data dir.</summary>
internal static class RedisReplica
{
    /// <summary>Starts replica <paramref name="name"/> (id <c>replica-NAME</c>) on <paramref name="redis"/>; <paramref name="configure"/> adds to its config.</summary>
    public static Task<GatewayProcess> StartAsync(TempDir dir, RedisServer redis, string name, Action<JsonObject>? configure = null)
    {
        var home = Directory.CreateDirectory(dir.File(name)).FullName;
        File.WriteAllText(Path.Combine(home, "state-connection"), redis.ConnectionString);
        var config = TestConfig.Gateway(TestConfig.FixtureConnector("fx", ["echo"]));
        config["state"] = new JsonObject { ["store"] = "redis", ["connection"] = "file:state-connection" };
        config["audit"] = new JsonObject { ["sink"] = "jsonl" };
        config["replica"] = new JsonObject { ["id"] = "replica-" + name, ["advertise_url"] = "http://127.0.0.1:0" };
        configure?.Invoke(config);
        var path = Path.Combine(home, "portcullis.json");
        File.WriteAllText(path, config.ToJsonString());
        return GatewayProcess.StartAsync(path, Path.Combine(home, "data"));
    }
}
