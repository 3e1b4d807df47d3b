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

    /// <summary>Deletes events older than <paramref name="before"/> where the sink owns retention; returns how many.</summary>
    ValueTask<int> PurgeAsync(DateTimeOffset before, CancellationToken cancellationToken);
}
