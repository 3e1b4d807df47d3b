using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Portcullis.Stores.Sqlite;

namespace Portcullis.Bench;

/// <summary>
/// Idempotency store files with N completed keys already in them, built once per N into the temp folder and
/// copied from there, so the scale rows do not spend minutes claiming keys one commit at a time.
/// </summary>
/// <remarks>
/// The schema comes from the store itself (its constructor creates the table), so the file always matches it;
/// the rows are then written in one transaction with one prepared statement, in key order.
/// </remarks>
internal static class StoredKeyFile
{
    public const string Result = """{"content":[{"type":"text","text":"{\"note\":{\"id\":7,\"body\":\"hello\"}}"}],"structuredContent":{"note":{"id":7,"body":"hello"}}}""";

    /// <summary>Copies a store file holding <paramref name="count"/> completed keys to <paramref name="path"/>.</summary>
    public static void CopyTo(string path, int count, string environment, string connector, string principal, string tool)
    {
        var template = Path.Combine(Path.GetTempPath(), "portcullis-bench-keys", $"{environment}-{connector}-{principal}-{tool}-{count}.db");
        if (!File.Exists(template))
        {
            Build(template, count, environment, connector, principal, tool);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.Copy(template, path, overwrite: true);
        // On disk before the gateway starts, so writing back the copy does not slow the fsyncs being measured.
        using var copy = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        copy.Flush(flushToDisk: true);
    }

    /// <summary>The fingerprint stored with key number <paramref name="i"/>.</summary>
    public static string Fingerprint(int i) => $"{i:x64}";

    private static void Build(string template, int count, string environment, string connector, string principal, string tool)
    {
        var stopwatch = Stopwatch.StartNew();
        Directory.CreateDirectory(Path.GetDirectoryName(template)!);
        var building = template + ".building";
        File.Delete(building);
        new SqliteIdempotencyStore(building, TimeSpan.FromSeconds(30)).Dispose();
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = building, Pooling = false }.ToString()))
        {
            connection.Open();
            using (var pragma = connection.CreateCommand())
            {
                // Only the template is written this way; the store under test keeps its own settings.
                pragma.CommandText = "PRAGMA synchronous = OFF; PRAGMA cache_size = -200000;";
                pragma.ExecuteNonQuery();
            }

            using var transaction = connection.BeginTransaction();
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO idempotency
                    (environment, connector, principal, tool, key, fingerprint, state, token, correlation_id, created_at, lease_expires_at, updated_at, result)
                VALUES ($environment, $connector, $principal, $tool, $key, $fingerprint, 1, $token, $correlation, $now, $now, $now, $result)
                """;
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            insert.Parameters.AddWithValue("$environment", environment);
            insert.Parameters.AddWithValue("$connector", connector);
            insert.Parameters.AddWithValue("$principal", principal);
            insert.Parameters.AddWithValue("$tool", tool);
            var key = insert.Parameters.Add("$key", SqliteType.Text);
            var fingerprint = insert.Parameters.Add("$fingerprint", SqliteType.Text);
            var token = insert.Parameters.Add("$token", SqliteType.Text);
            var correlation = insert.Parameters.Add("$correlation", SqliteType.Text);
            insert.Parameters.AddWithValue("$now", now);
            insert.Parameters.AddWithValue("$result", Result);
            insert.Prepare();
            for (var i = 0; i < count; i++)
            {
                key.Value = $"stored-{i:D9}";
                fingerprint.Value = Fingerprint(i);
                token.Value = Guid.NewGuid().ToString("N");
                correlation.Value = $"c{i:x12}";
                insert.ExecuteNonQuery();
            }

            transaction.Commit();
            using var checkpoint = connection.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            checkpoint.ExecuteNonQuery();
        }

        SqliteConnection.ClearAllPools();
        File.Move(building, template, overwrite: true);
        foreach (var side in new[] { "-wal", "-shm" })
        {
            File.Delete(building + side);
        }

        Console.Error.WriteLine($"built {template} ({count:N0} keys) in {stopwatch.Elapsed.TotalSeconds:F1} s");
    }
}
