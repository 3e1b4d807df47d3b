using Portcullis.Core.State;

namespace Portcullis.Stores.Sqlite;

/// <summary>
/// The embedded store as a whole: its files are created when opened, and at start the claims a dead process left in
/// flight are settled (the files belong to one gateway process). Its clock is the host's.
/// </summary>
internal sealed class SqliteStateStore(TimeProvider time, SqliteIdempotencyStore idempotency) : IStateStore
{
    public string Name => "sqlite";

    public ValueTask<int> StartAsync(DateTimeOffset now, CancellationToken cancellationToken) => idempotency.RecoverAsync(now, cancellationToken);

    public ValueTask<DateTimeOffset> GetTimeAsync(CancellationToken cancellationToken) => ValueTask.FromResult(time.GetUtcNow());
}
