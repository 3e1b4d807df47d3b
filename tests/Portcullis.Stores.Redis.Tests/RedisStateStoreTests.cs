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

    /// <summary>
    /// Before, a server that refuses writes because it cannot persist them (MISCONF: a snapshot failed, a full disk) was
    /// not an outage: every call was answered <c>internal</c> and logged with a stack trace.
    /// </summary>
    [Fact]
    public async Task IsUnavailable_AServerThatCannotPersist_IsAnOutage_AlsoInsideAScript()
    {
        // Snapshots into a folder nothing can be written to: the first one fails, and the server refuses writes from then on.
        await using var server = await RedisServer.StartAsync(settings: ["--save", "3600 1", "--dir", "/proc/self"]).WaitAsync(TimeSpan.FromSeconds(60));
        var options = RedisConnectionString.Parse(server.ConnectionString);
        options.AllowAdmin = true;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(options).WaitAsync(TimeSpan.FromSeconds(60));
        var db = redis.GetDatabase();
        await db.ExecuteAsync("BGSAVE").WaitAsync(TimeSpan.FromSeconds(60));
        var store = new RedisStateStore(redis, null!);
        var limiter = new RedisFixedWindowLimiter(redis, new RedisKeys("t-" + Guid.NewGuid().ToString("N")[..12]), "calls", 10, TimeSpan.FromMinutes(1));

        Exception? counted = null;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (counted is null)
        {
            await Task.Delay(50, deadline.Token);
            counted = await Record.ExceptionAsync(() => limiter.AcquireAsync("alice").AsTask().WaitAsync(TimeSpan.FromSeconds(60)));
        }

        Assert.True(store.IsUnavailable(counted), counted.ToString());
        var written = await Assert.ThrowsAnyAsync<Exception>(() => db.StringSetAsync("k", "v").WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.True(store.IsUnavailable(written), written.ToString());
    }

    [Theory]
    [InlineData("CLUSTERDOWN The cluster is down", true)]
    [InlineData("NOREPLICAS Not enough good replicas to write.", true)]
    [InlineData("MISCONF Errors writing to the AOF file: No space left on device", true)]
    [InlineData("ERR Error running script (call to f_0a1b): @user_script:1: @user_script: 1: -READONLY You can't write against a read only replica.", true)]
    [InlineData("ERR Error running script (call to f_0a1b): @user_script:1: @user_script: 1: -OOM command not allowed when used memory > 'maxmemory'.", true)]
    [InlineData("BUSYKEY Target key name already exists.", false)]
    [InlineData("ERR wrong number of arguments for 'incrby' command", false)]
    [InlineData("WRONGTYPE Operation against a key holding the wrong kind of value", false)]
    public void IsUnavailable_ServerReplies_OnlyThoseSayingNotNowAreOutages(string reply, bool outage) =>
        Assert.Equal(outage, new RedisStateStore(null!, null!).IsUnavailable(new RedisServerException(RedisErrorKind.Unknown, CommandFlags.None, reply)));
}
