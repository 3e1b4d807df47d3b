using BenchmarkDotNet.Attributes;
using Portcullis.Core.Idempotency;
using Portcullis.Stores.Sqlite;

namespace Portcullis.Benchmarks;

/// <summary>One write's idempotency bookkeeping on the SQLite store: claim + complete, and a replayed repeat.</summary>
[MemoryDiagnoser]
public class SqliteStoreBenchmarks
{
    private const string Result = """{"content":[{"type":"text","text":"{\"note\":{\"id\":7,\"body\":\"hello\"}}"}],"structuredContent":{"note":{"id":7,"body":"hello"}}}""";
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Retention = TimeSpan.FromHours(24);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "portcullis-bench-" + Guid.NewGuid().ToString("N")[..8]);
    private SqliteIdempotencyStore _store = null!;
    private IdempotencyScope _completed = null!;
    private long _next;

    [GlobalSetup]
    public void Setup()
    {
        Directory.CreateDirectory(_dir);
        _store = new SqliteIdempotencyStore(Path.Combine(_dir, "idempotency.db"), TimeSpan.FromSeconds(30));
        _completed = Scope("replayed");
        var claim = _store.TryClaimAsync(Request(_completed), CancellationToken.None).AsTask().GetAwaiter().GetResult();
        _store.CompleteAsync(_completed, claim.Token!, Result, TimeProvider.System.GetUtcNow(), CancellationToken.None).AsTask().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>The repeat of a completed key: one read transaction, no upstream call.</summary>
    [Benchmark(Baseline = true)]
    public async Task<ClaimResult> Replay() => await _store.TryClaimAsync(Request(_completed), CancellationToken.None);

    /// <summary>The first call of a new key: claim before forwarding.</summary>
    [Benchmark]
    public async Task<ClaimResult> Claim() => await _store.TryClaimAsync(Request(Scope("k-" + Interlocked.Increment(ref _next))), CancellationToken.None);

    /// <summary>The whole bookkeeping of a first call: claim, then store the result.</summary>
    [Benchmark]
    public async Task<bool> ClaimAndComplete()
    {
        var scope = Scope("k-" + Interlocked.Increment(ref _next));
        var claim = await _store.TryClaimAsync(Request(scope), CancellationToken.None);
        return await _store.CompleteAsync(scope, claim.Token!, Result, TimeProvider.System.GetUtcNow(), CancellationToken.None);
    }

    private static IdempotencyScope Scope(string key) => new("prod", "crm", "anonymous", "add_note", key);

    private static IdempotencyClaimRequest Request(IdempotencyScope scope) =>
        new(scope, "3b1f0c5a9d", "corr", TimeProvider.System.GetUtcNow(), Lease, Retention);
}
