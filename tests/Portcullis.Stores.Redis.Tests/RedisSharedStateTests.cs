using Portcullis.Core.RateLimiting;
using Portcullis.Core.State;
using Portcullis.Stores.Contract;
using StackExchange.Redis;

namespace Portcullis.Stores.Redis.Tests;

/// <summary>The shared-state contract against a real redis-server, each replica with its own connection.</summary>
[Collection("redis")]
public sealed class RedisSharedStateTests(RedisServerFixture fixture) : SharedStateContract
{
    private readonly string _prefix = "t-" + Guid.NewGuid().ToString("N")[..12];
    private readonly List<ConnectionMultiplexer> _connections = [];

    protected override async Task<ReplicaState> ConnectAsync(ReplicaIdentity replica)
    {
        var server = fixture.Server;
        var redis = await ConnectionMultiplexer.ConnectAsync(RedisConnectionString.Parse(server.ConnectionString));
        _connections.Add(redis);
        var keys = new RedisKeys(_prefix);
        var idempotency = new RedisIdempotencyStore(redis, keys, replica);
        return new ReplicaState(new RedisStateStore(redis, idempotency), idempotency, new RedisSessionStore(redis, keys),
            new RedisPendingCallRoutes(redis, keys), new RedisRateLimiterProvider(redis, keys), new RedisReplicaRegistry(redis, keys));
    }

    public override async Task DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }
    }
}
