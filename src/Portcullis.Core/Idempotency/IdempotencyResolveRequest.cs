namespace Portcullis.Core.Idempotency;

/// <summary>An operator settles an outcome-unknown key.</summary>
/// <param name="Scope">The key.</param>
/// <param name="CorrelationId">
/// The call the operator checked: the key is settled only while it still holds that call, never another call that
/// took the key since (after another operator released it, or after its retention).
/// </param>
/// <param name="Executed">True: the call took effect, later retries get <paramref name="ResultJson"/>; false: the key is released so a retry runs.</param>
/// <param name="ResultJson">For an executed call, the <c>CallToolResult</c> JSON later retries are answered with.</param>
/// <param name="ResolvedBy">The operator's subject.</param>
/// <param name="Note">The operator's note, kept with the record.</param>
/// <param name="Now">The current time; stores never read a clock of their own.</param>
/// <param name="Retention">Records created longer ago count as absent.</param>
public sealed record IdempotencyResolveRequest(
    IdempotencyScope Scope,
    string CorrelationId,
    bool Executed,
    string? ResultJson,
    string ResolvedBy,
    string? Note,
    DateTimeOffset Now,
    TimeSpan Retention);
