using StackExchange.Redis;

namespace Portcullis.Stores.Redis;

/// <summary>
/// A key written over with another type than the store keeps there (by hand or by another program: a string or a list
/// where a record's hash, or a review id's string, is expected). Redis answers every command on it WRONGTYPE, also one a
/// script sent. The store's one reading of that answer: the key holds nothing it can read, and each step that meets it
/// answers as it answers a damaged record (a claim outcome-unknown, a review not found, a settlement not applied), never
/// as a failure of Redis (500 <c>internal</c>, retryable, though no retry gets past it).
/// </summary>
internal static class RedisWrongType
{
    /// <summary>True for Redis's WRONGTYPE answer (a script's command's too, which Redis 6.2 quotes inside <c>ERR Error running script</c>).</summary>
    public static bool IsWrongType(this RedisServerException exception) => exception.Message.Contains("WRONGTYPE", StringComparison.Ordinal);

    /// <summary>What <paramref name="operation"/> answers, or <paramref name="damaged"/> when a key it reads holds another type.</summary>
    public static async ValueTask<T> OrWhenWrongType<T>(this Task<T> operation, T damaged)
    {
        try
        {
            return await operation.ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.IsWrongType())
        {
            return damaged;
        }
    }
}
