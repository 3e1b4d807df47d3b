using System.Globalization;
using Portcullis.Core.State;
using StackExchange.Redis;

namespace Portcullis.Stores.Redis;

/// <summary>The Redis store as a whole: it needs no schema, only an answer; at start this replica's abandoned claims are settled.</summary>
internal sealed class RedisStateStore(IConnectionMultiplexer redis, RedisIdempotencyStore idempotency) : IStateStore
{
    public string Name => "redis";

    public async ValueTask PrepareAsync(CancellationToken cancellationToken) => await redis.GetDatabase().PingAsync().ConfigureAwait(false);

    public ValueTask<int> RecoverAsync(DateTimeOffset now, CancellationToken cancellationToken) => idempotency.RecoverAsync(now, cancellationToken);

    /// <remarks>
    /// Besides a lost connection and a timeout, the server's own "not now" answers: still loading its data, busy with a
    /// script, a replica promoted or demoted under a failover, full (at <c>maxmemory</c> under <c>noeviction</c>, every
    /// write is refused until keys expire or an operator makes room; each call's first write is its rate-limit count).
    /// </remarks>
    public bool IsUnavailable(Exception exception) => exception switch
    {
        RedisConnectionException or RedisTimeoutException or TimeoutException => true,
        RedisServerException server => server.Message.StartsWith("LOADING", StringComparison.Ordinal)
            || server.Message.StartsWith("BUSY", StringComparison.Ordinal)
            || server.Message.StartsWith("MASTERDOWN", StringComparison.Ordinal)
            || server.Message.StartsWith("READONLY", StringComparison.Ordinal)
            || server.Message.StartsWith("TRYAGAIN", StringComparison.Ordinal)
            || server.Message.StartsWith("OOM", StringComparison.Ordinal),
        _ => false,
    };

    public async ValueTask<DateTimeOffset> GetTimeAsync(CancellationToken cancellationToken)
    {
        // TIME answers seconds and microseconds of the server's clock.
        var time = (RedisResult[])(await redis.GetDatabase().ExecuteAsync("TIME").ConfigureAwait(false))!;
        var seconds = long.Parse((string)time[0]!, CultureInfo.InvariantCulture);
        var micros = long.Parse((string)time[1]!, CultureInfo.InvariantCulture);
        return DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(micros * 10);
    }
}
