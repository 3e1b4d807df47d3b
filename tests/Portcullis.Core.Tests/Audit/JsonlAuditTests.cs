using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Portcullis.Core.Audit;
using Portcullis.Core.Audit.Jsonl;

namespace Portcullis.Core.Tests.Audit;

/// <summary>The jsonl sink and reader on real files: whole lines only, rotation followed, queries newest first and paged.</summary>
public sealed class JsonlAuditTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "portcullis-tests", "jsonl-" + Guid.NewGuid().ToString("N")[..12]);

    private string FilePath => Path.Combine(_dir, "audit.jsonl");

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Open_FileEndingInAPartialLine_CutsItBeforeAppending()
    {
        Directory.CreateDirectory(_dir);
        var whole = Encoding.UTF8.GetString(AuditJson.ToUtf8(AuditTrailTests.Event("whole"))) + "\n";
        await File.WriteAllTextAsync(FilePath, whole + "{\"time\":\"2026-01-0");
        using var sink = new JsonlAuditSink(FilePath, NullLogger<JsonlAuditSink>.Instance);

        await sink.WriteAsync([AuditTrailTests.Event("next")], CancellationToken.None);

        var lines = await File.ReadAllLinesAsync(FilePath);
        Assert.Equal(["whole", "next"], lines.Select(l => JsonNode.Parse(l)!["correlation_id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Write_FileRotatedAway_StartsANewFileAtThePath()
    {
        using var sink = new JsonlAuditSink(FilePath, NullLogger<JsonlAuditSink>.Instance);
        await sink.WriteAsync([AuditTrailTests.Event("before")], CancellationToken.None);

        File.Move(FilePath, FilePath + ".1");
        await sink.WriteAsync([AuditTrailTests.Event("after")], CancellationToken.None);

        Assert.Contains("before", await File.ReadAllTextAsync(FilePath + ".1"), StringComparison.Ordinal);
        var current = await File.ReadAllTextAsync(FilePath);
        Assert.Contains("after", current, StringComparison.Ordinal);
        Assert.DoesNotContain("before", current, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_FiltersNewestFirstInPages_AndSkipsLinesThatAreNotEvents()
    {
        using var sink = new JsonlAuditSink(FilePath, NullLogger<JsonlAuditSink>.Instance);
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var events = Enumerable.Range(0, 7).Select(i => AuditTrailTests.Event($"e{i}") with
        {
            Time = start.AddMinutes(i),
            Principal = i % 2 == 0 ? "alice" : "bob",
            Code = i == 6 ? "rate_limited" : null,
        }).ToList();
        await sink.WriteAsync(events[..3], CancellationToken.None);
        await File.AppendAllTextAsync(FilePath, "not json\n{\"other\":true}\n");
        await sink.WriteAsync(events[3..], CancellationToken.None);
        var reader = new JsonlAuditReader(FilePath);

        var first = await reader.QueryAsync(new AuditQuery { Principal = "alice", Limit = 2 }, CancellationToken.None);
        var second = await reader.QueryAsync(new AuditQuery { Principal = "alice", Limit = 2, Cursor = first.Next }, CancellationToken.None);
        var since = await reader.QueryAsync(new AuditQuery { Since = start.AddMinutes(5) }, CancellationToken.None);
        var code = await reader.QueryAsync(new AuditQuery { Code = "rate_limited" }, CancellationToken.None);

        Assert.Equal(["e6", "e4"], first.Events.Select(e => e.CorrelationId));
        Assert.Equal(["e2", "e0"], second.Events.Select(e => e.CorrelationId));
        Assert.Null(second.Next);
        Assert.Equal(["e6", "e5"], since.Events.Select(e => e.CorrelationId));
        Assert.Equal("e6", Assert.Single(code.Events).CorrelationId);
    }
}
