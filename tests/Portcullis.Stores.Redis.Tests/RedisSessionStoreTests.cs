using Portcullis.Core.Sessions;
using StackExchange.Redis;

namespace Portcullis.Stores.Redis.Tests;

/// <summary>Session keys that hold something the store did not write (a hand edit, another program, another format).</summary>
[Collection("redis")]
public sealed class RedisSessionStoreTests(RedisServerFixture fixture) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly RedisKeys _keys = new("t-" + Guid.NewGuid().ToString("N")[..12]);
    private ConnectionMultiplexer _redis = null!;

    public async Task InitializeAsync() =>
        _redis = await ConnectionMultiplexer.ConnectAsync(RedisConnectionString.Parse(fixture.Server.ConnectionString)).WaitAsync(Timeout);

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task GetManyAsync_OneKeyUnreadable_ReturnsTheOthers()
    {
        var store = new RedisSessionStore(_redis, _keys);
        await store.SaveAsync(Record("good"), Now, CancellationToken.None).AsTask().WaitAsync(Timeout);
        await CorruptAsync();

        var found = await store.GetManyAsync(["good", "not-json", "wrong-type", "wrong-shape"], Now, CancellationToken.None).AsTask().WaitAsync(Timeout);

        Assert.Equal(["good"], found.Select(r => r.SessionId));
    }

    [Fact]
    public async Task UnreadableKey_IsNoSession_AndANewSaveReplacesIt()
    {
        var store = new RedisSessionStore(_redis, _keys);
        await CorruptAsync();

        foreach (var id in new[] { "not-json", "wrong-type", "wrong-shape" })
        {
            Assert.Null(await store.GetAsync(id, Now, CancellationToken.None).AsTask().WaitAsync(Timeout));
            await store.EndAsync(id, Now, CancellationToken.None).AsTask().WaitAsync(Timeout);
            await store.SaveAsync(Record(id), Now, CancellationToken.None).AsTask().WaitAsync(Timeout);
            Assert.Equal(Record(id), await store.GetAsync(id, Now, CancellationToken.None).AsTask().WaitAsync(Timeout));
        }
    }

    private async Task CorruptAsync()
    {
        var db = _redis.GetDatabase();
        await db.StringSetAsync(_keys.Session("not-json"), "{not json").WaitAsync(Timeout);
        await db.HashSetAsync(_keys.Session("wrong-type"), "SessionId", "wrong-type").WaitAsync(Timeout);
        await db.StringSetAsync(_keys.Session("wrong-shape"), "[1,2,3]").WaitAsync(Timeout);
    }

    private static SessionRecord Record(string id) => new(id, "crm", "alice", "{}", Now + SessionRecord.Lifetime);
}
