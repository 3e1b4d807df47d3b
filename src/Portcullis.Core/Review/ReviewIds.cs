using System.Security.Cryptography;

namespace Portcullis.Core.Review;

/// <summary>Review ids: <c>rv-</c> and 32 hex digits from a cryptographic generator, so none can be guessed.</summary>
public static class ReviewIds
{
    public static string New() => "rv-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>True when <paramref name="id"/> has the shape of a review id (checked before any store is asked).</summary>
    public static bool IsWellFormed(string id) =>
        id.Length == 35 && id.StartsWith("rv-", StringComparison.Ordinal) && id.AsSpan(3).ContainsAnyExcept("0123456789abcdef") is false;
}
