using Microsoft.Data.Sqlite;
using Portcullis.Core.Sessions;
using Portcullis.Stores.Contract;

namespace Portcullis.Stores.Sqlite.Tests;

/// <summary>
/// The session store contract on SQLite: each "replica" is another store opened on the same file, as the gateway
/// after a restart is; and a sessions.db made before ended sessions were kept gains the column and keeps its rows.
/// </summary>
public sealed class SqliteSessionStoreTests : SessionStoreContract
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"portcullis-sessions-{Guid.NewGuid():N}.db");

    protected override Task<ISessionStore> ConnectSessionsAsync(string replica) => Task.FromResult<ISessionStore>(new SqliteSessionStore(_file));

    [Fact]
    public async Task Open_AFileWithoutTheEndedColumn_AddsItAndKeepsItsSessions()
    {
        using (var old = new SqliteConnection($"Data Source={_file};Pooling=false"))
        {
            old.Open();
            using var command = old.CreateCommand();
            command.CommandText = """
                CREATE TABLE sessions (session_id TEXT PRIMARY KEY, connector TEXT NOT NULL, principal TEXT NOT NULL,
                    initialize_params TEXT NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;
                INSERT INTO sessions VALUES ('s-old', 'crm', 'alice', '{}', $expires);
                """;
            command.Parameters.AddWithValue("$expires", Now.AddHours(1).ToUnixTimeMilliseconds());
            command.ExecuteNonQuery();
        }

        var store = new SqliteSessionStore(_file);
        var kept = await store.GetAsync("s-old", Now, Deadline);
        await store.EndAsync("s-old", Now, Deadline);
        var reopened = new SqliteSessionStore(_file);

        Assert.Equal(new SessionRecord("s-old", "crm", "alice", "{}", Now.AddHours(1)), kept);
        Assert.True((await reopened.GetAsync("s-old", Now, Deadline))!.Ended);
    }

    public override Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        foreach (var file in new[] { _file, _file + "-wal", _file + "-shm", _file + "-journal" })
        {
            File.Delete(file);
        }

        return Task.CompletedTask;
    }
}
