using System.Text.Json;
using Portcullis.Core.Sessions;
using StackExchange.Redis;

namespace Portcullis.Stores.Redis;

/// <summary>
/// Session handshakes as JSON strings, one key each; the key's TTL follows the record's expiry. An ended session keeps
/// its key, marked ended and without its handshake, until then.
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

        await redis.GetDatabase().ScriptEvaluateAsync(Save, [keys.Session(record.SessionId)],
            [JsonSerializer.Serialize(record, RedisJson.Default.SessionRecord), (long)Math.Ceiling(ttl.TotalMilliseconds)]).ConfigureAwait(false);
    }

    public async ValueTask<bool> SetLogLevelAsync(string sessionId, string level, DateTimeOffset now, CancellationToken cancellationToken) =>
        (long)await redis.GetDatabase().ScriptEvaluateAsync(SetLevel, [keys.Session(sessionId)], [level]).ConfigureAwait(false) == 1;

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
    private static async Task<RedisValue> StringGetAsync(IDatabase db, RedisKey key)
    {
        try
        {
            return await db.StringGetAsync(key).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("WRONGTYPE", StringComparison.Ordinal))
        {
            return RedisValue.Null;
        }
    }

    /// <summary>Redis expires the keys itself.</summary>
    public ValueTask<int> PurgeAsync(DateTimeOffset expiredBefore, CancellationToken cancellationToken) => ValueTask.FromResult(0);
}
