using System.Globalization;
using Portcullis.Core.State;
using StackExchange.Redis;

namespace Portcullis.Stores.Redis;

/// <summary>Which process holds each replica id: one hash per id (owner, renewed, until; milliseconds), judged in a script.</summary>
internal sealed class RedisReplicaRegistry(IConnectionMultiplexer redis, RedisKeys keys) : IReplicaRegistry
{
    /// <summary>How long a lapsed record stays before Redis drops it (housekeeping only: a record is judged by its until).</summary>
    private const long KeptAfterLapseMs = 3_600_000;

    /// <summary>
    /// KEYS[1] record. ARGV: owner, now, until, stale owner ('' for none), stale renewed, key ttl ms. Returns the holder
    /// afterwards as {owner, renewed, until}.
    /// </summary>
    private const string Hold = """
        local r = redis.call('HMGET', KEYS[1], 'owner', 'renewed', 'until')
        if r[1] and r[1] ~= ARGV[1] and tonumber(r[3]) > tonumber(ARGV[2]) and not (r[1] == ARGV[4] and r[2] == ARGV[5]) then
          return {r[1], r[2], r[3]}
        end
        redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'renewed', ARGV[2], 'until', ARGV[3])
        redis.call('PEXPIRE', KEYS[1], ARGV[6])
        return {ARGV[1], ARGV[2], ARGV[3]}
        """;

    /// <summary>KEYS[1] record. ARGV: owner. Deleted only while that owner holds it.</summary>
    private const string Release = """
        if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """;

    public async ValueTask<ReplicaHolder> HoldAsync(
        ReplicaIdentity replica, DateTimeOffset now, DateTimeOffset until, ReplicaHolder? stale, CancellationToken cancellationToken)
    {
        var untilMs = until.ToUnixTimeMilliseconds();
        var nowMs = now.ToUnixTimeMilliseconds();
        var holder = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(Hold, [keys.Replica(replica.Id)],
        [
            replica.Owner, nowMs, untilMs, stale?.Owner ?? "", stale?.RenewedAt.ToUnixTimeMilliseconds() ?? -1,
            Math.Max(untilMs - nowMs, 0) + KeptAfterLapseMs,
        ]).ConfigureAwait(false))!;
        return new ReplicaHolder((string)holder[0]!, Milliseconds(holder[1]), Milliseconds(holder[2]));
    }

    public async ValueTask ReleaseAsync(ReplicaIdentity replica, CancellationToken cancellationToken) =>
        await redis.GetDatabase().ScriptEvaluateAsync(Release, [keys.Replica(replica.Id)], [replica.Owner]).ConfigureAwait(false);

    private static DateTimeOffset Milliseconds(RedisResult value) =>
        DateTimeOffset.FromUnixTimeMilliseconds(long.Parse((string)value!, CultureInfo.InvariantCulture));
}
