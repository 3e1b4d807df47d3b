using System.Text.Json;
using Portcullis.Core.Sessions;
using StackExchange.Redis;

namespace Portcullis.Stores.Redis;

/// <summary>Session handshakes as JSON strings, one key each; the key's TTL follows the record's expiry.</summary>
internal sealed class RedisSessionStore(IConnectionMultiplexer redis, RedisKeys keys) : ISessionStore
{
    public async ValueTask SaveAsync(SessionRecord record, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ttl = record.ExpiresAt - now;
        if (ttl <= TimeSpan.Zero)
        {
            return;
        }

        await redis.GetDatabase().StringSetAsync(keys.Session(record.SessionId), JsonSerializer.Serialize(record, RedisJson.Default.SessionRecord), ttl)
            .ConfigureAwait(false);
    }

    public async ValueTask<SessionRecord?> GetAsync(string sessionId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var value = await redis.GetDatabase().StringGetAsync(keys.Session(sessionId)).ConfigureAwait(false);
        if (value.IsNullOrEmpty)
        {
            return null;
        }

        var record = JsonSerializer.Deserialize((string)value!, RedisJson.Default.SessionRecord);
        return record is not null && record.SessionId == sessionId && record.ExpiresAt > now ? record : null;
    }

    public async ValueTask RemoveAsync(string sessionId, CancellationToken cancellationToken) =>
        await redis.GetDatabase().KeyDeleteAsync(keys.Session(sessionId)).ConfigureAwait(false);

    /// <summary>Redis expires the keys itself.</summary>
    public ValueTask<int> PurgeAsync(DateTimeOffset expiredBefore, CancellationToken cancellationToken) => ValueTask.FromResult(0);
}
