using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Portcullis.Core.Review;

/// <summary>
/// A review's approvals as every state store keeps them: a JSON array of <c>[reviewer, unix ms, reason]</c>, the reason
/// left out when there is none. One reader for all of them, so SQLite, PostgreSQL and Redis judge a damaged list alike.
/// </summary>
public static class StoredApprovals
{
    public static string Write(IReadOnlyList<ReviewApproval> approvals) =>
        JsonSerializer.Serialize(
            [.. approvals.Select(a => a.Reason is null
                ? new[] { a.Reviewer, Milliseconds(a.At) }
                : [a.Reviewer, Milliseconds(a.At), a.Reason])],
            StoredApprovalsJsonContext.Default.StringArrayArray);

    /// <summary>The approvals of a stored list; throws (see <see cref="CannotRead"/>) when it is not one.</summary>
    public static ReviewApproval[] Read(string json)
    {
        var approvals = JsonSerializer.Deserialize(json, StoredApprovalsJsonContext.Default.StringArrayArray) ?? [];
        if (approvals.Any(a => a is not [not null, not null, ..]))
        {
            throw new FormatException("An approval is not a reviewer and a time.");
        }

        return [.. approvals.Select(a => new ReviewApproval(a[0], DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(a[1], CultureInfo.InvariantCulture)), a.Length > 2 ? a[2] : null))];
    }

    /// <summary>The approvals of a stored list, as <see cref="Read"/> reads them; null when it cannot.</summary>
    public static ReviewApproval[]? TryRead(string json)
    {
        try
        {
            return Read(json);
        }
        catch (Exception ex) when (CannotRead(ex))
        {
            return null;
        }
    }

    /// <summary>What reading a damaged review throws (a value of another shape); anything else is a fault of the store.</summary>
    public static bool CannotRead(Exception ex) => ex is FormatException or OverflowException or JsonException or ArgumentException or IndexOutOfRangeException;

    private static string Milliseconds(DateTimeOffset at) => at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
}

[JsonSerializable(typeof(string[][]))]
internal sealed partial class StoredApprovalsJsonContext : JsonSerializerContext;
