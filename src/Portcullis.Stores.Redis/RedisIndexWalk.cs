using System.Runtime.CompilerServices;
using StackExchange.Redis;

namespace Portcullis.Stores.Redis;

/// <summary>
/// Reads an index (a sorted set scored by time) in batches, each going on from the last entry read: its score, and how
/// many entries of that score were read. An offset would shift under entries added or taken out meanwhile (a key
/// claimed while a list is read is indexed at the newest end), reading an entry twice or skipping one.
/// </summary>
internal static class RedisIndexWalk
{
    /// <summary>
    /// The entries from <paramref name="start"/> towards <paramref name="stop"/> (<paramref name="exclude"/> applies to the
    /// first batch; later ones keep only its <see cref="Exclude.Stop"/>), <paramref name="batch"/> at a time, until a batch
    /// comes back short.
    /// </summary>
    public static async IAsyncEnumerable<SortedSetEntry[]> WalkAsync(
        this IDatabase db, RedisKey index, double start, double stop, Exclude exclude, Order order, int batch,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var ties = 0L;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var entries = await db.SortedSetRangeByScoreWithScoresAsync(index, start, stop, exclude, order, skip: ties, take: batch).ConfigureAwait(false);
            if (entries.Length > 0)
            {
                yield return entries;
            }

            if (entries.Length < batch)
            {
                yield break;
            }

            var end = entries[^1].Score;
            ties = (end == start && (exclude & Exclude.Start) == 0 ? ties : 0) + entries.Count(e => e.Score == end);
            (start, exclude) = (end, exclude & Exclude.Stop);
        }
    }
}
