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

    /// <summary>
    /// The server's own "not now" answers: still loading its data, busy with a script, a replica promoted or demoted
    /// under a failover (also a cluster's, <c>CLUSTERDOWN</c>), full (at <c>maxmemory</c> under <c>noeviction</c>, every
    /// write is refused until keys expire or an operator makes room; each call's first write is its rate-limit count),
    /// unable to persist (<c>MISCONF</c>: a failed snapshot, a full disk under the append-only file), or short of the
    /// replicas <c>min-replicas-to-write</c> asks for.
    /// </summary>
    private static readonly string[] NotNow = ["LOADING", "BUSY", "MASTERDOWN", "READONLY", "TRYAGAIN", "OOM", "CLUSTERDOWN", "MISCONF", "NOREPLICAS"];

    /// <remarks>
    /// Besides a lost connection and a timeout, the <see cref="NotNow"/> answers: as the client library classifies the
    /// reply, as the reply's code, or (Redis 6.2) as the code a script's refused command gave, quoted inside the
    /// <c>ERR Error running script</c> reply.
    /// </remarks>
    public bool IsUnavailable(Exception exception) => exception switch
    {
        RedisConnectionException or RedisTimeoutException or TimeoutException => true,
        RedisServerException server => server.Kind is RedisErrorKind.Loading or RedisErrorKind.Busy or RedisErrorKind.MasterDown or RedisErrorKind.ReadOnly
                or RedisErrorKind.TryAgain or RedisErrorKind.OutOfMemory or RedisErrorKind.ClusterDown or RedisErrorKind.Misconfigured or RedisErrorKind.NoReplicas
            || NotNow.Any(code => HasCode(server.Message, code)),
        _ => false,
    };

    private static bool HasCode(string reply, string code) =>
        (reply.StartsWith(code, StringComparison.Ordinal) && (reply.Length == code.Length || reply[code.Length] == ' '))
        || (reply.StartsWith("ERR ", StringComparison.Ordinal) && reply.Contains($" -{code} ", StringComparison.Ordinal));

    public async ValueTask<DateTimeOffset> GetTimeAsync(CancellationToken cancellationToken)
    {
        // TIME answers seconds and microseconds of the server's clock.
        // The client takes no token: waiting is cut short here, so a stop while Redis is unreachable is prompt.
        var time = (RedisResult[])(await redis.GetDatabase().ExecuteAsync("TIME").WaitAsync(cancellationToken).ConfigureAwait(false))!;
        var seconds = long.Parse((string)time[0]!, CultureInfo.InvariantCulture);
        var micros = long.Parse((string)time[1]!, CultureInfo.InvariantCulture);
        return DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(micros * 10);
    }
}
