using Portcullis.Core.Idempotency;
using Portcullis.Core.State;
using Portcullis.Stores.Contract;
using StackExchange.Redis;

namespace Portcullis.Stores.Redis.Tests;

/// <summary>The store contract against a real redis-server, plus what is Redis's own: keys and their hash tags.</summary>
[Collection("redis")]
public sealed class RedisIdempotencyStoreTests(RedisServerFixture fixture) : IdempotencyStoreContract
{
    private readonly string _prefix = "t-" + Guid.NewGuid().ToString("N")[..12];
    private ConnectionMultiplexer? _redis;

    protected override async Task<IIdempotencyStore> CreateStore()
    {
        var server = fixture.Server;
        _redis = await ConnectionMultiplexer.ConnectAsync(RedisConnectionString.Parse(server.ConnectionString));
        return new RedisIdempotencyStore(_redis, new RedisKeys(_prefix), new ReplicaIdentity("gw-a", "0000000000000001", null));
    }

    public override async Task DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    [Fact]
    public async Task Claim_WritesOneRecordUnderItsScopesHashTag_AndTheIndexesUnderTheirOwn()
    {
        var claim = await Claim(Scope());
        await Store.CompleteAsync(Scope(), claim.Token!, "{}", Time.GetUtcNow(), CancellationToken.None);

        var server = _redis!.GetServers().Single();
        var keys = server.Keys(pattern: _prefix + ":*").Select(k => (string)k!).ToList();

        var record = Assert.Single(keys, k => k.StartsWith(_prefix + ":idem:", StringComparison.Ordinal));
        Assert.Matches("^t-[0-9a-f]{12}:idem:\\{[0-9a-f]{64}\\}$", record);
        Assert.All(keys, k => Assert.Matches("\\{[^}]+\\}", k));
        Assert.Equal("alice", (string)(await _redis.GetDatabase().HashGetAsync(record, "principal"))!);
        Assert.Equal("gw-a#0000000000000001", (string)(await _redis.GetDatabase().HashGetAsync(record, "owner"))!);
    }

    [Fact]
    public async Task Claim_SetsAStorageTtlBeyondTheRetention()
    {
        await Claim(Scope());

        var record = _redis!.GetServers().Single().Keys(pattern: _prefix + ":idem:*").Single();
        var ttl = await _redis.GetDatabase().KeyTimeToLiveAsync(record);

        Assert.NotNull(ttl);
        Assert.True(ttl > Retention, $"TTL {ttl} should outlast the retention");
    }
}
