using BenchmarkDotNet.Attributes;
using Portcullis.Bench;
using Portcullis.Core.Idempotency;
using Portcullis.Stores.Sqlite;

namespace Portcullis.Benchmarks;

/// <summary>
/// The SQLite store's claim, complete and replay with 1 thousand and 1 million completed keys already stored:
/// the cost should stay flat (a primary-key B-tree lookup grows with the log of the row count).
/// </summary>
[MemoryDiagnoser]
public class SqliteStoreScaleBenchmarks
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Retention = TimeSpan.FromHours(24);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "portcullis-bench-" + Guid.NewGuid().ToString("N")[..8]);
    private SqliteIdempotencyStore _store = null!;
    private IdempotencyScope _stored = null!;
    private long _next;

    [Params(1_000, 1_000_000)]
    public int StoredKeys { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var path = Path.Combine(_dir, "idempotency.db");
        StoredKeyFile.CopyTo(path, StoredKeys, "prod", "crm", "alice", "add_note");
        _store = new SqliteIdempotencyStore(path, TimeSpan.FromSeconds(30));
        // A key from the middle of the pre-filled range, with the fingerprint it was stored with.
        _stored = Scope($"stored-{StoredKeys / 2:D9}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>The repeat of a stored, completed key: answered from the store.</summary>
    [Benchmark(Baseline = true)]
    public async Task<ClaimResult> Replay() => await _store.TryClaimAsync(Request(_stored, StoredFingerprint(StoredKeys / 2)), CancellationToken.None);

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

    private static string StoredFingerprint(int i) => StoredKeyFile.Fingerprint(i);

    private static IdempotencyScope Scope(string key) => new("prod", "crm", "alice", "add_note", key);

    private static IdempotencyClaimRequest Request(IdempotencyScope scope, string fingerprint) =>
        new(scope, fingerprint, "corr", TimeProvider.System.GetUtcNow(), Lease, Retention);
}
