using Microsoft.Data.Sqlite;

namespace Portcullis.Samples.Crm;

/// <summary>The CRM's own SQLite database: contacts and notes, seeded on first start.</summary>
internal sealed class CrmDatabase(string path)
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true }.ToString();

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    public void EnsureCreated()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS contacts (id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS notes (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
                body TEXT NOT NULL,
                visibility TEXT NOT NULL,
                created_at TEXT NOT NULL);
            INSERT OR IGNORE INTO contacts (id, name, email) VALUES
                ('c-1001', 'Ada Lovelace', 'ada@example.com'),
                ('c-1002', 'Grace Hopper', 'grace@example.com'),
                ('c-1003', 'Alan Turing', 'alan@example.com'),
                ('c-1004', 'Katherine Johnson', 'katherine@example.com'),
                ('c-1005', 'Edsger Dijkstra', 'edsger@example.com');
            """;
        command.ExecuteNonQuery();
    }
}
