namespace Portcullis.Core.Audit;

/// <summary>
/// Where audit events are kept. Only the audit trail's one background writer calls it, so an implementation needs no
/// locking of its own; a write either keeps every event of the batch or throws.
/// </summary>
public interface IAuditSink
{
    /// <summary>A short name for metrics and logs: <c>store</c> or <c>jsonl</c>.</summary>
    string Name { get; }

    /// <summary>Appends the events, in order, durably; throws when the sink cannot keep them.</summary>
    ValueTask WriteAsync(IReadOnlyList<AuditEvent> events, CancellationToken cancellationToken);

    /// <summary>
    /// Whether <paramref name="exception"/>, thrown by <see cref="WriteAsync"/>, means the sink refused what the events
    /// hold (a value it cannot store), so that the same events would fail the same way again; false when the sink is
    /// unavailable (unreachable, full, locked), which a later attempt may find back. <see cref="AuditSinkErrors"/>
    /// names the refusals every sink shares.
    /// </summary>
    bool Refuses(Exception exception);

    /// <summary>Deletes events older than <paramref name="before"/> where the sink owns retention; returns how many.</summary>
    ValueTask<int> PurgeAsync(DateTimeOffset before, CancellationToken cancellationToken);
}
