using Portcullis.Testing.Servers;

namespace Portcullis.Stores.Postgres.Tests;

/// <summary>One real PostgreSQL for the test assembly; each test works in its own schema.</summary>
internal static class PostgresServerFixture
{
    private static readonly Lazy<Task<PostgresServer>> Server = new(() => PostgresServer.StartAsync());

    public static Task<PostgresServer> GetAsync() => Server.Value;
}
