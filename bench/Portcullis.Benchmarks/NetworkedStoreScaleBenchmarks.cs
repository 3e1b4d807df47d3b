using BenchmarkDotNet.Attributes;
using Npgsql;
using Portcullis.Bench;
using Portcullis.Core.Idempotency;
using Portcullis.Core.State;
using Portcullis.Stores.Postgres;
using Portcullis.Stores.Redis;
using Portcullis.Testing.Servers;
using StackExchange.Redis;

namespace Portcullis.Benchmarks;

/// <summary>
/// The Redis and PostgreSQL stores' claim, complete and replay with 1 thousand and 1 million completed keys
/// already stored, each on a real server on this machine set up as production would be for "never act twice":
/// Redis with <c>appendfsync always</c>, PostgreSQL with its durable defaults (fsync, synchronous commit).
/// Compare with <see cref="SqliteStoreScaleBenchmarks"/> (SQLite, <c>synchronous = FULL</c>).
/// </summary>
[MemoryDiagnoser]
public class NetworkedStoreScaleBenchmarks
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Retention = TimeSpan.FromHours(24);
    private IAsyncDisposable? _server;
    private IAsyncDisposable? _client;
    private IIdempotencyStore _store = null!;
    private IdempotencyScope _stored = null!;
    private long _next;

    [Params("redis", "postgres")]
    public string Store { get; set; } = "redis";

    [Params(1_000, 1_000_000)]
    public int StoredKeys { get; set; }

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    private async Task SetupAsync()
    {
        var replica = new ReplicaIdentity("bench", "0000000000000001", null);
        if (Store == "redis")
        {
            var redis = await RedisServer.StartAsync();
            _server = redis;
            var connection = await ConnectionMultiplexer.ConnectAsync(RedisConnectionString.Parse(redis.ConnectionString + ",allowAdmin=true"));
            _client = connection;
            var keys = new RedisKeys("portcullis");
            await PrefillRedisAsync(connection, keys);
            _store = new RedisIdempotencyStore(connection, keys, replica);
        }
        else
        {
            var postgres = await PostgresServer.StartAsync(durable: true);
            _server = postgres;
            var dataSource = PostgresDataSource.Create(postgres.ConnectionString);
            _client = dataSource;
            await PostgresSchema.MigrateAsync(dataSource, CancellationToken.None);
            await PrefillPostgresAsync(dataSource);
            _store = new PostgresIdempotencyStore(dataSource, replica);
        }

        _stored = Scope($"stored-{StoredKeys / 2:D9}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _server?.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>The repeat of a stored, completed key: answered from the store.</summary>
    [Benchmark(Baseline = true)]
    public async Task<ClaimResult> Replay() => await _store.TryClaimAsync(Request(_stored, StoredKeyFile.Fingerprint(StoredKeys / 2)), CancellationToken.None);

    /// <summary>The first call of a new key: claim before forwarding.</summary>
    [Benchmark]
    public async Task<ClaimResult> Claim() => await _store.TryClaimAsync(Request(Scope("new-" + Interlocked.Increment(ref _next)), "f"), CancellationToken.None);

    /// <summary>The whole bookkeeping of a first call: claim, then store the result.</summary>
    [Benchmark]
    public async Task<bool> ClaimAndComplete()
    {
        var scope = Scope("new-" + Interlocked.Increment(ref _next));
        var claim = await _store.TryClaimAsync(Request(scope, "f"), CancellationToken.None);
        return await _store.CompleteAsync(scope, claim.Token!, StoredKeyFile.Result, TimeProvider.System.GetUtcNow(), CancellationToken.None);
    }

    /// <summary>Completed records written in pipelined batches without fsync, then the durable setting turned on.</summary>
    private async Task PrefillRedisAsync(ConnectionMultiplexer connection, RedisKeys keys)
    {
        var db = connection.GetDatabase();
        var now = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
        for (var start = 0; start < StoredKeys; start += 10_000)
        {
            var batch = db.CreateBatch();
            var writes = new List<Task>();
            for (var i = start; i < Math.Min(StoredKeys, start + 10_000); i++)
            {
                var scope = Scope($"stored-{i:D9}");
                var key = keys.Idempotency(scope);
                writes.Add(batch.HashSetAsync(key,
                [
                    new("fp", StoredKeyFile.Fingerprint(i)), new("state", 1), new("token", "t"), new("corr", "c"), new("created", now),
                    new("lease", now + 300_000), new("updated", now), new("owner", "bench#0000000000000000"), new("result", StoredKeyFile.Result),
                    new("environment", scope.Environment), new("connector", scope.Connector), new("principal", scope.Principal), new("tool", scope.Tool), new("key", scope.Key),
                ]));
                writes.Add(batch.SortedSetAddAsync(keys.CreatedIndex, key.ToString(), now));
            }

            batch.Execute();
            await Task.WhenAll(writes);
        }

        var server = connection.GetServers().Single();
        await server.ConfigSetAsync("appendonly", "yes");
        await server.ConfigSetAsync("appendfsync", "always");
        while ((await server.InfoAsync("persistence")).SelectMany(g => g).Any(p => p.Key is "aof_rewrite_in_progress" or "aof_rewrite_scheduled" && p.Value != "0"))
        {
            await Task.Delay(200);
        }
    }

    private async Task PrefillPostgresAsync(NpgsqlDataSource dataSource)
    {
        // The fingerprints are computed in .NET, so they go in as one array parameter.
        var fingerprints = Enumerable.Range(0, StoredKeys).Select(StoredKeyFile.Fingerprint).ToArray();
        await using var command = dataSource.CreateCommand("""
            INSERT INTO portcullis_idempotency
                (environment, connector, principal, tool, key, fingerprint, state, token, correlation_id, owner, created_at, lease_expires_at, updated_at, result)
            SELECT 'prod', 'crm', 'alice', 'add_note', 'stored-' || lpad((i - 1)::text, 9, '0'), fp, 1, 't', 'c', 'bench#0000000000000000', @now, @now + 300000, @now, @result
            FROM unnest(@fingerprints) WITH ORDINALITY AS f(fp, i)
            """);
        command.CommandTimeout = 600;
        command.Parameters.AddWithValue("now", TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("result", StoredKeyFile.Result);
        command.Parameters.AddWithValue("fingerprints", fingerprints);
        await command.ExecuteNonQueryAsync();
        await using var vacuum = dataSource.CreateCommand("VACUUM ANALYZE portcullis_idempotency");
        vacuum.CommandTimeout = 600;
        await vacuum.ExecuteNonQueryAsync();
    }

    private static IdempotencyScope Scope(string key) => new("prod", "crm", "alice", "add_note", key);

    private static IdempotencyClaimRequest Request(IdempotencyScope scope, string fingerprint) =>
        new(scope, fingerprint, "corr", TimeProvider.System.GetUtcNow(), Lease, Retention);
}
