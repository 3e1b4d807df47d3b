using System.Text.Json;
using Portcullis.Core.Sessions;
using StackExchange.Redis;

namespace Portcullis.Stores.Redis;

/// <summary>
/// Session handshakes as JSON strings, one key each; the key's TTL follows the record's expiry. An ended session keeps
/// its key, marked ended, until then.
/// </summary>
internal sealed class RedisSessionStore(IConnectionMultiplexer redis, RedisKeys keys) : ISessionStore
{
    /// <summary>KEYS[1] the session; ARGV: the record's JSON, its TTL in ms. Stores it unless the stored one is ended.</summary>
    private const string Save = """
        local stored = redis.call('GET', KEYS[1])
        if stored and cjson.decode(stored)['Ended'] == true then return 0 end
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        return 1
        """;

    public async ValueTask SaveAsync(SessionRecord record, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ttl = record.ExpiresAt - now;
        if (ttl <= TimeSpan.Zero)
        {
            return;
        }

        await redis.GetDatabase().ScriptEvaluateAsync(Save, [keys.Session(record.SessionId)],
            [JsonSerializer.Serialize(record, RedisJson.Default.SessionRecord), (long)Math.Ceiling(ttl.TotalMilliseconds)]).ConfigureAwait(false);
    }

    public async ValueTask<SessionRecord?> GetAsync(string sessionId, DateTimeOffset now, CancellationToken cancellationToken) =>
        Read(sessionId, await redis.GetDatabase().StringGetAsync(keys.Session(sessionId)).ConfigureAwait(false), now);

    /// <summary>One GET per session, sent together (pipelined on the one connection): the keys live in different cluster slots.</summary>
    public async ValueTask<IReadOnlyList<SessionRecord>> GetManyAsync(IReadOnlyList<string> sessionIds, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        var values = await Task.WhenAll(sessionIds.Select(id => db.StringGetAsync(keys.Session(id)))).ConfigureAwait(false);
        return [.. sessionIds.Select((id, i) => Read(id, values[i], now)).OfType<SessionRecord>()];
    }

    /// <summary>
    /// Rewrites the stored record as ended, keeping its TTL, and only if it is still there. A save between the read and
    /// the write is overwritten by the end; a save after it finds it ended.
    /// </summary>
    public async ValueTask EndAsync(string sessionId, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        var key = keys.Session(sessionId);
        var value = await db.StringGetAsync(key).ConfigureAwait(false);
        if (value.IsNullOrEmpty || JsonSerializer.Deserialize((string)value!, RedisJson.Default.SessionRecord) is not { Ended: false } record)
        {
            return;
        }

        await db.StringSetAsync(key, JsonSerializer.Serialize(record with { Ended = true }, RedisJson.Default.SessionRecord), expiry: null, keepTtl: true, when: When.Exists)
            .ConfigureAwait(false);
    }

    private static SessionRecord? Read(string sessionId, RedisValue value, DateTimeOffset now) =>
        !value.IsNullOrEmpty && JsonSerializer.Deserialize((string)value!, RedisJson.Default.SessionRecord) is { } record
            && record.SessionId == sessionId && record.ExpiresAt > now
            ? record
            : null;

    /// <summary>Redis expires the keys itself.</summary>
    public ValueTask<int> PurgeAsync(DateTimeOffset expiredBefore, CancellationToken cancellationToken) => ValueTask.FromResult(0);
}
