namespace Portcullis.Core.Idempotency;

/// <summary>
/// What the store could not read of a damaged record (by hand, by another program, on disk): the admin API's names of
/// those fields, and the store's own name of the record, for deleting it with the store's tools.
/// </summary>
public sealed record IdempotencyUnreadable(IReadOnlyList<string> Fields, string StoreKey)
{
    private static readonly long EarliestMilliseconds = DateTimeOffset.MinValue.ToUnixTimeMilliseconds();
    private static readonly long LatestMilliseconds = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    /// <summary>True when the store could not read <paramref name="field"/> (an admin API name, such as <c>created_at</c>).</summary>
    public bool Names(string field) => Fields.Contains(field, StringComparer.Ordinal);

    /// <summary>True when a stored time in Unix milliseconds is one a date can hold.</summary>
    public static bool IsDate(long milliseconds) => milliseconds >= EarliestMilliseconds && milliseconds <= LatestMilliseconds;

    /// <summary>A stored time read (Unix milliseconds), or the Unix epoch as the placeholder of one that could not be (named in <see cref="Fields"/>).</summary>
    public static DateTimeOffset TimeOrPlaceholder(long? milliseconds) =>
        milliseconds is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : DateTimeOffset.UnixEpoch;

    /// <summary>
    /// The SQL condition that selects one scope's row in the SQL stores' idempotency tables (the same columns in both),
    /// for deleting a damaged row by hand with the store's shell.
    /// </summary>
    public static string SqlRowCondition(IdempotencyScope scope) =>
        $"environment = {Quote(scope.Environment)} AND connector = {Quote(scope.Connector)} AND principal = {Quote(scope.Principal)} " +
        $"AND tool = {Quote(scope.Tool)} AND key = {Quote(scope.Key)}";

    private static string Quote(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
}
