using Portcullis.Testing.Servers;

namespace Portcullis.Tests.Replicas;

/// <summary>The three replicas on a real redis-server.</summary>
public sealed class RedisReplicaCluster : ReplicaCluster
{
    private RedisServer? _redis;

    protected override string Store => "redis";

    protected override async Task<string> StartStoreAsync()
    {
        _redis = await RedisServer.StartAsync();
        return _redis.ConnectionString;
    }

    /// <summary>Kills redis-server and starts it again, empty (it is not durable), under the running replicas.</summary>
    internal Task RestartStoreAsync() => _redis!.RestartAsync();

    protected override async ValueTask StopStoreAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}
