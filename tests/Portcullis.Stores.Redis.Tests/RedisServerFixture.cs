using Portcullis.Testing.Servers;

namespace Portcullis.Stores.Redis.Tests;

/// <summary>One real redis-server for every test class of the assembly, stopped when they are done; each test works under its own key prefix.</summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    public RedisServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

[CollectionDefinition("redis")]
public sealed class RedisCollection : ICollectionFixture<RedisServerFixture>;
