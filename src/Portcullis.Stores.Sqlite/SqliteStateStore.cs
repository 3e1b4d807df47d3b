using Portcullis.Core.State;

namespace Portcullis.Stores.Sqlite;

/// <summary>
/// The embedded store as a whole: its files are created when opened, and claims left in flight by a dead process
/// are settled then (the files belong to one gateway process). Its clock is the host's.
/// </summary>
internal sealed class SqliteStateStore(TimeProvider time) : IStateStore
{
    public string Name => "sqlite";

    public ValueTask<int> StartAsync(DateTimeOffset now, CancellationToken cancellationToken) => ValueTask.FromResult(0);

    public ValueTask<DateTimeOffset> GetTimeAsync(CancellationToken cancellationToken) => ValueTask.FromResult(time.GetUtcNow());
}
