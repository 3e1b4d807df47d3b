using System.Text.Json.Nodes;
using Npgsql;
using Portcullis.Core.Audit;

namespace Portcullis.Stores.Postgres.Tests;

/// <summary>The audit trail's store sink on a real PostgreSQL: append-only, filtered and paged like the SQLite one.</summary>
[Collection("postgres")]
public sealed class PostgresAuditStoreTests(PostgresServerFixture fixture) : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private NpgsqlDataSource _dataSource = null!;
    private PostgresAuditStore _store = null!;

    public async Task InitializeAsync()
    {
        _dataSource = PostgresDataSource.Create(await fixture.Server.CreateSchemaAsync());
        await PostgresSchema.MigrateAsync(_dataSource, CancellationToken.None);
        _store = new PostgresAuditStore(_dataSource);
    }

    public async Task DisposeAsync() => await _dataSource.DisposeAsync();

    [Fact]
    public async Task Query_FiltersAndPagesNewestFirst_KeepingEveryField()
    {
        var events = Enumerable.Range(0, 7).Select(i => Event(i, principal: i % 2 == 0 ? "alice" : "bob", code: i == 3 ? "rate_limited" : null)).ToList();
        events[0] = events[0] with { Arguments = new JsonObject { ["query"] = "ada" }, UpstreamReached = true, Replay = false, DurationMs = 12.5, Count = 7 };
        await _store.WriteAsync(events, CancellationToken.None).AsTask().WaitAsync(Timeout);

        var alice = new List<AuditEvent>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await _store.QueryAsync(new AuditQuery { Principal = "alice", Limit = 2, Cursor = cursor }, CancellationToken.None).AsTask().WaitAsync(Timeout);
            alice.AddRange(page.Events);
            cursor = page.Next;
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(["c-6", "c-4", "c-2", "c-0"], alice.Select(e => e.CorrelationId));
        Assert.Equal(2, pages);
        Assert.Equal(events[0].Arguments!.ToJsonString(), alice[^1].Arguments!.ToJsonString());
        Assert.Equal(events[0] with { Arguments = null }, alice[^1] with { Arguments = null });
        var limited = await _store.QueryAsync(new AuditQuery { Code = "rate_limited" }, CancellationToken.None).AsTask().WaitAsync(Timeout);
        Assert.Equal("c-3", Assert.Single(limited.Events).CorrelationId);
        var since = await _store.QueryAsync(new AuditQuery { Since = Start.AddMinutes(5), Tool = "add_note" }, CancellationToken.None).AsTask().WaitAsync(Timeout);
        Assert.Equal(["c-6", "c-5"], since.Events.Select(e => e.CorrelationId));
    }

    /// <summary>
    /// <c>portcullis audit</c> migrates nothing: against a database no replica of this version has migrated yet, it
    /// reads the events without the column migration 8 adds.
    /// </summary>
    [Fact]
    public async Task Query_OnATableWithoutTheCountColumn_ReadsTheEventsWithoutIt()
    {
        await _store.WriteAsync([Event(0)], CancellationToken.None).AsTask().WaitAsync(Timeout);
        await using (var drop = _dataSource.CreateCommand("ALTER TABLE portcullis_audit_events DROP COLUMN event_count"))
        {
            await drop.ExecuteNonQueryAsync();
        }

        var page = await new PostgresAuditStore(_dataSource).QueryAsync(new AuditQuery(), CancellationToken.None).AsTask().WaitAsync(Timeout);

        Assert.Equal(Event(0), Assert.Single(page.Events));
    }

    [Fact]
    public async Task Table_IsAppendOnly_OnlyThePurgeDeletes()
    {
        await _store.WriteAsync([Event(0), Event(1), Event(2)], CancellationToken.None).AsTask().WaitAsync(Timeout);

        await using (var update = _dataSource.CreateCommand("UPDATE portcullis_audit_events SET decision = 'allowed'"))
        {
            var ex = await Assert.ThrowsAsync<PostgresException>(() => update.ExecuteNonQueryAsync());
            Assert.Contains("append-only", ex.MessageText, StringComparison.Ordinal);
        }

        await using (var truncate = _dataSource.CreateCommand("TRUNCATE portcullis_audit_events"))
        {
            await Assert.ThrowsAsync<PostgresException>(() => truncate.ExecuteNonQueryAsync());
        }

        Assert.Equal(2, await _store.PurgeAsync(Start.AddMinutes(2), CancellationToken.None).AsTask().WaitAsync(Timeout));
        var left = await _store.QueryAsync(new AuditQuery(), CancellationToken.None).AsTask().WaitAsync(Timeout);
        Assert.Equal("c-2", Assert.Single(left.Events).CorrelationId);
    }

    /// <summary>
    /// The trail writes a batch the sink refuses one event at a time, and keeps a refused event as a stub: the sink
    /// must tell a value it cannot store (here an index row over PostgreSQL's limit) from an outage.
    /// </summary>
    [Fact]
    public async Task Refuses_AValueOverAnIndexLimit_IsARefusal_AndAClosedSourceIsNot()
    {
        var random = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4096));
        var tooLong = await Assert.ThrowsAsync<PostgresException>(
            () => _store.WriteAsync([Event(0) with { Tool = random }], CancellationToken.None).AsTask().WaitAsync(Timeout));
        Assert.True(_store.Refuses(tooLong), tooLong.SqlState);

        await _dataSource.DisposeAsync();
        var closed = await Assert.ThrowsAnyAsync<Exception>(() => _store.WriteAsync([Event(1)], CancellationToken.None).AsTask().WaitAsync(Timeout));
        Assert.False(_store.Refuses(closed), closed.GetType().Name);
    }

    private static AuditEvent Event(int i, string principal = "alice", string? code = null) => new()
    {
        Time = Start.AddMinutes(i),
        CorrelationId = $"c-{i}",
        Environment = "test",
        Kind = AuditKinds.ToolCall,
        Decision = code is null ? "allowed" : "refused",
        Connector = "crm",
        Principal = principal,
        Tool = "add_note",
        Code = code,
    };
}
