using Portcullis.Testing.Servers;
using StackExchange.Redis;

namespace Portcullis.Stores.Redis.Tests;

/// <summary>What the Redis store calls an outage (answered <c>state_unavailable</c>) and what it leaves a defect.</summary>
[Collection("redis")]
public sealed class RedisStateStoreTests(RedisServerFixture fixture)
{
    [Fact]
    public async Task IsUnavailable_AServerThatIsGone_IsAnOutage_ACommandItRefuses_IsNot()
    {
        var gone = await RedisServer.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var options = RedisConnectionString.Parse(gone.ConnectionString);
        options.ConnectTimeout = 1000;
        options.AsyncTimeout = 1000;
        await using var toGone = await ConnectionMultiplexer.ConnectAsync(options).WaitAsync(TimeSpan.FromSeconds(60));
        await gone.DisposeAsync();
        var store = new RedisStateStore(toGone, null!);
        var outage = await Assert.ThrowsAnyAsync<Exception>(() => store.GetTimeAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.True(store.IsUnavailable(outage), outage.ToString());

        await using var redis = await ConnectionMultiplexer.ConnectAsync(RedisConnectionString.Parse(fixture.Server.ConnectionString)).WaitAsync(TimeSpan.FromSeconds(60));
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => redis.GetDatabase().ExecuteAsync("NO_SUCH_COMMAND").WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.False(new RedisStateStore(redis, null!).IsUnavailable(refused), refused.ToString());
    }

    [Fact]
    public async Task IsUnavailable_AServerOutOfMemory_IsAnOutage()
    {
        await using var full = await RedisServer.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var options = RedisConnectionString.Parse(full.ConnectionString);
        options.AllowAdmin = true;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(options).WaitAsync(TimeSpan.FromSeconds(60));
        var db = redis.GetDatabase();
        await db.ExecuteAsync("CONFIG", "SET", "maxmemory-policy", "noeviction").WaitAsync(TimeSpan.FromSeconds(60));
        await db.ExecuteAsync("CONFIG", "SET", "maxmemory", "1").WaitAsync(TimeSpan.FromSeconds(60));
        var store = new RedisStateStore(redis, null!);

        // A rate-limit count (the first write of nearly every call) and a plain write are refused the same way.
        var limiter = new RedisFixedWindowLimiter(redis, new RedisKeys("t-" + Guid.NewGuid().ToString("N")[..12]), "calls", 10, TimeSpan.FromMinutes(1));
        var counted = await Assert.ThrowsAnyAsync<Exception>(() => limiter.AcquireAsync("alice").AsTask().WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.True(store.IsUnavailable(counted), counted.ToString());
        var written = await Assert.ThrowsAnyAsync<Exception>(() => db.StringSetAsync("k", "v").WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.True(store.IsUnavailable(written), written.ToString());
    }
}
