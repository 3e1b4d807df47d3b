using Portcullis.Testing.Servers;

namespace Portcullis.Tests.Replicas;

/// <summary>The three replicas on a real PostgreSQL.</summary>
public sealed class PostgresReplicaCluster : ReplicaCluster
{
    private PostgresServer? _postgres;

    protected override string Store => "postgres";

    protected override async Task<string> StartStoreAsync()
    {
        _postgres = await PostgresServer.StartAsync();
        return _postgres.ConnectionString;
    }

    protected override async ValueTask StopStoreAsync()
    {
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }
}
