namespace Portcullis.Core.Audit;

/// <summary>One page of an audit query, newest first; <see cref="Next"/> fetches the older events, null at the end.</summary>
public sealed record AuditPage(IReadOnlyList<AuditEvent> Events, string? Next);
