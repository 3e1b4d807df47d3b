using Portcullis.Testing.Servers;

namespace Portcullis.Stores.Postgres.Tests;

/// <summary>One real PostgreSQL for every test class of the assembly, stopped when they are done; each test works in its own schema.</summary>
public sealed class PostgresServerFixture : IAsyncLifetime
{
    public PostgresServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await PostgresServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

[CollectionDefinition("postgres")]
public sealed class PostgresCollection : ICollectionFixture<PostgresServerFixture>;
