using Microsoft.Data.Sqlite;

namespace Portcullis.Stores.Sqlite.Tests;

/// <summary>What the SQLite store calls an outage (answered <c>state_unavailable</c>) and what it leaves a defect.</summary>
public sealed class SqliteStateStoreTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"portcullis-state-{Guid.NewGuid():N}.db");

    [Fact]
    public void IsUnavailable_AFileLockedByAnotherWriter_IsAnOutage_AStatementError_IsNot()
    {
        var store = new SqliteStateStore(TimeProvider.System, null!);
        using var holder = Open();
        Execute(holder, "CREATE TABLE t (x INTEGER); BEGIN EXCLUSIVE; INSERT INTO t VALUES (1);");
        using var other = Open();
        Execute(other, "PRAGMA busy_timeout = 0;");

        var locked = Assert.Throws<SqliteException>(() => Execute(other, "INSERT INTO t VALUES (2);"));
        Assert.True(store.IsUnavailable(locked), locked.ToString());

        var defect = Assert.Throws<SqliteException>(() => Execute(holder, "SELECT * FROM no_such_table;"));
        Assert.False(store.IsUnavailable(defect), defect.ToString());
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (var file in new[] { _file, _file + "-wal", _file + "-shm", _file + "-journal" })
        {
            File.Delete(file);
        }
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection($"Data Source={_file};Pooling=false;Default Timeout=1");
        connection.Open();
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
