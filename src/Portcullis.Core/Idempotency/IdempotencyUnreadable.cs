namespace Portcullis.Core.Idempotency;

/// <summary>
/// What the store could not read of a damaged record (by hand, by another program, on disk): the admin API's names of
/// those fields, and the store's own name of the record, for deleting it with the store's tools.
/// </summary>
public sealed record IdempotencyUnreadable(IReadOnlyList<string> Fields, string StoreKey)
{
    /// <summary>True when the store could not read <paramref name="field"/> (an admin API name, such as <c>created_at</c>).</summary>
    public bool Names(string field) => Fields.Contains(field, StringComparer.Ordinal);
}
