using Microsoft.Data.Sqlite;

namespace Portcullis.Stores.Sqlite;

/// <summary>
/// The columns a table gained after its first version: a file an earlier version created gets them in place, once,
/// under the write lock (two processes opening it together add each once); a reader asks whether one is there.
/// </summary>
internal static class SqliteColumns
{
    public static bool Has(SqliteConnection connection, string table, string column, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT COUNT(*) FROM pragma_table_info($table) WHERE name = $column";
        command.Parameters.AddWithValue("$table", table);
        command.Parameters.AddWithValue("$column", column);
        return (long)command.ExecuteScalar()! > 0;
    }

    /// <summary>Adds each of <paramref name="columns"/> (a name and its type and constraints) that <paramref name="table"/> lacks.</summary>
    public static void AddMissing(SqliteConnection connection, string table, IEnumerable<(string Name, string Definition)> columns)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        foreach (var (name, definition) in columns)
        {
            if (!Has(connection, table, name, transaction))
            {
                using var alter = connection.CreateCommand();
                alter.Transaction = transaction;
                alter.CommandText = $"ALTER TABLE {table} ADD COLUMN {name} {definition}";
                alter.ExecuteNonQuery();
            }
        }

        transaction.Commit();
    }
}
