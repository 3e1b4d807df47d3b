namespace Portcullis.Core.Audit;

/// <summary>Answers audit queries: newest first, filtered, one page at a time.</summary>
public interface IAuditReader
{
    ValueTask<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken);
}
