using Microsoft.Data.Sqlite;
using Portcullis.Core.Audit;

namespace Portcullis.Stores.Sqlite.Tests;

/// <summary>
/// The SQLite audit trail keeps an event's count (the summary of paced refusals), and a trail an earlier version wrote,
/// without that column, is converted by the gateway that writes it and read as it is by a read-only reader.
/// </summary>
public sealed class SqliteAuditStoreTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 12, 5, 8, 0, 0, TimeSpan.Zero);

    private readonly string _file = Path.Combine(Path.GetTempPath(), $"portcullis-audit-{Guid.NewGuid():N}.db");

    [Fact]
    public async Task Write_ASummaryWithItsCount_ReadsBackWithIt_AndAnEventOfOneWithout()
    {
        var store = new SqliteAuditStore(_file);

        await store.WriteAsync([Event("one"), Event("summary") with { Count = 41 }], CancellationToken.None);
        var events = (await store.QueryAsync(new AuditQuery(), CancellationToken.None)).Events;

        Assert.Equal([("summary", (long?)41), ("one", null)], events.Select(e => (e.CorrelationId, e.Count)));
    }

    [Fact]
    public async Task ATrailWrittenBeforeTheCount_IsReadWithoutIt_ThenConvertedInPlaceByTheWriter()
    {
        using (var old = new SqliteConnection($"Data Source={_file};Pooling=false"))
        {
            old.Open();
            using var create = old.CreateCommand();
            // The table as the previous version created it, with one event in it.
            create.CommandText = """
                CREATE TABLE audit_events (id INTEGER PRIMARY KEY AUTOINCREMENT, time INTEGER NOT NULL, correlation_id TEXT NOT NULL,
                    environment TEXT NOT NULL, connector TEXT NULL, principal TEXT NULL, client_id TEXT NULL, kind TEXT NOT NULL,
                    tool TEXT NULL, resource TEXT NULL, prompt TEXT NULL, arguments_sha256 TEXT NULL, decision TEXT NOT NULL,
                    code TEXT NULL, stage TEXT NULL, upstream_reached INTEGER NULL, replay INTEGER NULL, duration_ms REAL NULL,
                    detail TEXT NULL, actor TEXT NULL, remote_address TEXT NULL, arguments TEXT NULL);
                INSERT INTO audit_events (time, correlation_id, environment, kind, decision) VALUES (1764921600000, 'before', 'test', 'http_refusal', 'refused');
                """;
            create.ExecuteNonQuery();
        }

        var readBefore = (await SqliteAuditStore.ReadOnly(_file).QueryAsync(new AuditQuery(), CancellationToken.None)).Events;
        var writer = new SqliteAuditStore(_file);
        await writer.WriteAsync([Event("after") with { Count = 3 }], CancellationToken.None);
        var readAfter = (await SqliteAuditStore.ReadOnly(_file).QueryAsync(new AuditQuery(), CancellationToken.None)).Events;

        Assert.Equal([("before", (long?)null)], readBefore.Select(e => (e.CorrelationId, e.Count)));
        Assert.Equal([("after", (long?)3), ("before", null)], readAfter.Select(e => (e.CorrelationId, e.Count)));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (var file in new[] { _file, _file + "-wal", _file + "-shm", _file + "-journal" })
        {
            File.Delete(file);
        }
    }

    private static AuditEvent Event(string correlationId) => new()
    {
        Time = Start,
        CorrelationId = correlationId,
        Environment = "test",
        Kind = AuditKinds.HttpRefusal,
        Decision = AuditDecisions.Refused,
        RemoteAddress = "192.0.2.7",
    };
}
