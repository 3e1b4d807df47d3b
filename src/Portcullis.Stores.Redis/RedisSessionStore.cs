using System.Text.Json;
using Portcullis.Core.Sessions;
using StackExchange.Redis;

namespace Portcullis.Stores.Redis;

/// <summary>
/// Session handshakes as JSON strings, one key each; the key's TTL follows the record's expiry. An ended session keeps
/// its key, marked ended and without its handshake, until then. The resources a session's client subscribed to are a set
/// beside it, kept as long as the record and deleted with its end.
/// </summary>
/// <remarks>
/// A key that holds something this store cannot read (not JSON, not a record, not a string: a hand edit, another
/// program under the same prefix) is no session: reading it finds nothing, ending it does nothing, and a save replaces
/// it. It must not fail the reads of other sessions batched with it (the sweep renews a replica's sessions 500 at a time).
/// </remarks>
internal sealed class RedisSessionStore(IConnectionMultiplexer redis, RedisKeys keys) : ISessionStore
{
    /// <summary>
    /// KEYS[1] the session; ARGV: the record's JSON, its TTL in ms. Stores it unless the stored one is ended; over a stored
    /// one, with that one's logging level, not the record's (re-encoded only when either has one).
    /// </summary>
    private const string Save = """
        local value = ARGV[1]
        local stored = redis.pcall('GET', KEYS[1])
        if type(stored) == 'string' then
          local ok, record = pcall(cjson.decode, stored)
          if ok and type(record) == 'table' then
            if record['Ended'] == true then return 0 end
            local keep = record['LogLevel']
            if type(keep) ~= 'string' then keep = nil end
            if keep ~= nil or string.find(value, '"LogLevel":"', 1, true) then
              local saved = cjson.decode(value)
              saved['LogLevel'] = keep
              value = cjson.encode(saved)
            end
          end
        end
        redis.call('SET', KEYS[1], value, 'PX', ARGV[2])
        if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
        return 1
        """;

    /// <summary>
    /// KEYS[1] the session, KEYS[2] its subscriptions; ARGV: the URI, '1' to add it or '0' to take it out. Adds only to a
    /// readable record that was not ended, and keeps the set as long as the record. Answers whether the record is live.
    /// </summary>
    private const string SetSubscribed = """
        local stored = redis.pcall('GET', KEYS[1])
        local live = 0
        if type(stored) == 'string' then
          local ok, record = pcall(cjson.decode, stored)
          if ok and type(record) == 'table' and record['Ended'] ~= true then live = 1 end
        end
        if redis.call('TYPE', KEYS[2])['ok'] ~= 'set' and redis.call('EXISTS', KEYS[2]) == 1 then redis.call('DEL', KEYS[2]) end
        if ARGV[2] == '0' then
          redis.call('SREM', KEYS[2], ARGV[1])
          return live
        end
        if live == 0 then return 0 end
        local ttl = redis.call('PTTL', KEYS[1])
        if ttl <= 0 then return 0 end
        redis.call('SADD', KEYS[2], ARGV[1])
        redis.call('PEXPIRE', KEYS[2], ttl)
        return 1
        """;


    /// <summary>KEYS[1] the session; ARGV[1] the level. Sets the stored record's logging level, keeping its expiry, unless it is ended or unreadable.</summary>
    private const string SetLevel = """
        local stored = redis.pcall('GET', KEYS[1])
        if type(stored) ~= 'string' then return 0 end
        local ok, record = pcall(cjson.decode, stored)
        if not ok or type(record) ~= 'table' or record['Ended'] == true then return 0 end
        record['LogLevel'] = ARGV[1]
        redis.call('SET', KEYS[1], cjson.encode(record), 'KEEPTTL')
        return 1
        """;

    public async ValueTask SaveAsync(SessionRecord record, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ttl = record.ExpiresAt - now;
        if (ttl <= TimeSpan.Zero)
        {
            return;
        }

        await redis.GetDatabase().ScriptEvaluateAsync(Save, [keys.Session(record.SessionId), keys.SessionSubscriptions(record.SessionId)],
            [JsonSerializer.Serialize(record, RedisJson.Default.SessionRecord), (long)Math.Ceiling(ttl.TotalMilliseconds)]).ConfigureAwait(false);
    }

    public async ValueTask<bool> SetLogLevelAsync(string sessionId, string level, DateTimeOffset now, CancellationToken cancellationToken) =>
        (long)await redis.GetDatabase().ScriptEvaluateAsync(SetLevel, [keys.Session(sessionId)], [level]).ConfigureAwait(false) == 1;

    public async ValueTask<bool> SetSubscribedAsync(string sessionId, string uri, bool subscribed, DateTimeOffset now, CancellationToken cancellationToken) =>
        (long)await redis.GetDatabase().ScriptEvaluateAsync(SetSubscribed, [keys.Session(sessionId), keys.SessionSubscriptions(sessionId)], [uri, subscribed ? "1" : "0"]).ConfigureAwait(false) == 1;

    public async ValueTask<IReadOnlyList<string>> GetSubscriptionsAsync(string sessionId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (await GetAsync(sessionId, now, cancellationToken).ConfigureAwait(false) is not { Ended: false })
        {
            return [];
        }

        var members = await redis.GetDatabase().SetMembersAsync(keys.SessionSubscriptions(sessionId)).OrWhenWrongType([]).ConfigureAwait(false);
        return [.. members.Select(m => (string)m!).Order(StringComparer.Ordinal)];
    }

    public async ValueTask<SessionRecord?> GetAsync(string sessionId, DateTimeOffset now, CancellationToken cancellationToken) =>
        Read(sessionId, await StringGetAsync(redis.GetDatabase(), keys.Session(sessionId)).ConfigureAwait(false), now);

    /// <summary>One GET per session, sent together (pipelined on the one connection): the keys live in different cluster slots.</summary>
    public async ValueTask<IReadOnlyList<SessionRecord>> GetManyAsync(IReadOnlyList<string> sessionIds, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        var values = await Task.WhenAll(sessionIds.Select(id => StringGetAsync(db, keys.Session(id)))).ConfigureAwait(false);
        return [.. sessionIds.Select((id, i) => Read(id, values[i], now)).OfType<SessionRecord>()];
    }

    /// <summary>
    /// Rewrites the stored record as ended, without its handshake and kept an hour at most, and only if it is still there.
    /// A save between the read and the write is overwritten by the end; a save after it finds it ended.
    /// </summary>
    public async ValueTask EndAsync(string sessionId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        var key = keys.Session(sessionId);
        var value = await StringGetAsync(db, key).ConfigureAwait(false);
        if (Parse(value) is not { Ended: false } record)
        {
            return;
        }

        var expires = record.ExpiresAt < now + SessionRecord.EndedKeep ? record.ExpiresAt : now + SessionRecord.EndedKeep;
        if (expires <= now)
        {
            return;
        }

        await db.KeyDeleteAsync(keys.SessionSubscriptions(sessionId)).ConfigureAwait(false);
        var ended = record with { Ended = true, InitializeParamsJson = "", ExpiresAt = expires };
        // Whole milliseconds, rounded up: Redis refuses an expiry of none.
        var ttl = TimeSpan.FromMilliseconds(Math.Ceiling((expires - now).TotalMilliseconds));
        await db.StringSetAsync(key, JsonSerializer.Serialize(ended, RedisJson.Default.SessionRecord), expiry: ttl, when: When.Exists).ConfigureAwait(false);
    }

    private static SessionRecord? Read(string sessionId, RedisValue value, DateTimeOffset now) =>
        Parse(value) is { } record && record.SessionId == sessionId && record.ExpiresAt > now ? record : null;

    private static SessionRecord? Parse(RedisValue value)
    {
        if (value.IsNullOrEmpty)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize((string)value!, RedisJson.Default.SessionRecord);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The key's string value; nothing when the key holds another type.</summary>
    private static async Task<RedisValue> StringGetAsync(IDatabase db, RedisKey key) =>
        await db.StringGetAsync(key).OrWhenWrongType(RedisValue.Null).ConfigureAwait(false);

    /// <summary>Redis expires the keys itself.</summary>
    public ValueTask<int> PurgeAsync(DateTimeOffset expiredBefore, CancellationToken cancellationToken) => ValueTask.FromResult(0);
}
