using Npgsql;
using Portcullis.Core.State;
using Portcullis.Stores.Contract;

namespace Portcullis.Stores.Postgres.Tests;

/// <summary>The shared-state contract against a real PostgreSQL, each replica with its own connection pool.</summary>
[Collection("postgres")]
public sealed class PostgresSharedStateTests(PostgresServerFixture fixture) : SharedStateContract
{
    private readonly List<NpgsqlDataSource> _dataSources = [];
    private string? _connectionString;

    public override async Task InitializeAsync() => _connectionString = await fixture.Server.CreateSchemaAsync();

    protected override async Task<ReplicaState> ConnectAsync(ReplicaIdentity replica)
    {
        var dataSource = PostgresDataSource.Create(_connectionString + ";Application Name=" + replica.Id.Replace("#", "", StringComparison.Ordinal));
        _dataSources.Add(dataSource);
        var idempotency = new PostgresIdempotencyStore(dataSource, replica);
        var state = new PostgresStateStore(dataSource, idempotency);
        await PostgresSchema.MigrateAsync(dataSource, CancellationToken.None);
        return new ReplicaState(state, idempotency, new PostgresSessionStore(dataSource), new PostgresPendingCallRoutes(dataSource), new PostgresRateLimiterProvider(dataSource),
            new PostgresReplicaRegistry(dataSource));
    }

    public override async Task DisposeAsync()
    {
        foreach (var dataSource in _dataSources)
        {
            await dataSource.DisposeAsync();
        }
    }
}
