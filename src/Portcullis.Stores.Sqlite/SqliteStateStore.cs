using Microsoft.Data.Sqlite;
using Portcullis.Core.State;

namespace Portcullis.Stores.Sqlite;

/// <summary>
/// The embedded store as a whole: its files are created when opened, and at start the claims a dead process left in
/// flight are settled (the files belong to one gateway process). Its clock is the host's.
/// </summary>
internal sealed class SqliteStateStore(TimeProvider time, SqliteIdempotencyStore idempotency) : IStateStore
{
    public string Name => "sqlite";

    public ValueTask PrepareAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask<int> RecoverAsync(DateTimeOffset now, CancellationToken cancellationToken) => idempotency.RecoverAsync(now, cancellationToken);

    public ValueTask<DateTimeOffset> GetTimeAsync(CancellationToken cancellationToken) => ValueTask.FromResult(time.GetUtcNow());

    /// <summary>The file locked past the busy timeout by another process, or the disk failing it (I/O error, full, cannot be opened).</summary>
    public bool IsUnavailable(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: SQLitePCL.raw.SQLITE_BUSY or SQLitePCL.raw.SQLITE_LOCKED or SQLitePCL.raw.SQLITE_IOERR or SQLitePCL.raw.SQLITE_FULL or SQLitePCL.raw.SQLITE_CANTOPEN };
}
