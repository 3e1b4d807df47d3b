using Portcullis.Core.Configuration;
using Portcullis.Core.Idempotency;
using Portcullis.Downstream;
using Portcullis.Stores.Postgres;
using Portcullis.Stores.Redis;
using Portcullis.Stores.Sqlite;

namespace Portcullis.Hosting;

/// <summary>The one place that chooses the store family named by <c>state.store</c> and starts what it needs.</summary>
internal static class StateRegistration
{
    public static IServiceCollection AddState(this IServiceCollection services, GatewayConfig config)
    {
        switch (config.State.Store)
        {
            case "sqlite":
                services.AddSqliteState(config.DataDir!);
                break;
            case "redis":
                services.AddRedisState(ResolveConnection(config));
                services.AddSingleton<ReplicaIdHold>();
                break;
            case "postgres":
                services.AddPostgresState(ResolveConnection(config));
                services.AddSingleton<ReplicaIdHold>();
                break;
            default:
                // The config schema admits no other value; reaching this is a programming error.
                throw new InvalidOperationException($"State store '{config.State.Store}' is not implemented.");
        }

        services.AddSingleton<StateReadiness>();
        services.AddSingleton<StateStartupService>();
        services.AddHostedService(sp => sp.GetRequiredService<StateStartupService>());
        services.AddSingleton(sp => new IdempotencyPurger(
            sp.GetRequiredService<IIdempotencyStore>(), config, sp.GetRequiredService<Portcullis.Core.State.StateClock>(), sp.GetRequiredService<ILogger<IdempotencyPurger>>()));
        services.AddHostedService<StatePurgeService>();
        services.AddHostedService<UnsettledClaimsService>();
        services.AddHostedService<ReviewNotifyService>();
        // The webhook's URL is often its credential (a chat webhook's secret is its path): the client logs nothing, at any level.
        services.AddHttpClient(Core.Review.ReviewNotifier.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(15)).RemoveAllLoggers();
        services.AddSingleton<UnsavedHandshakes>();
        services.AddSingleton<SessionMigration>();
        services.AddSingleton<ModelContextProtocol.AspNetCore.ISessionMigrationHandler>(sp => sp.GetRequiredService<SessionMigration>());
        services.AddHttpClient(PendingCallForwarder.ClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { ConnectTimeout = PendingCallForwarder.ConnectTimeout, UseProxy = false, AllowAutoRedirect = false });
        return services;
    }

    /// <summary>Reads the connection string now; a reference that resolves to nothing stops the gateway at start-up.</summary>
    public static string ResolveConnection(GatewayConfig config)
    {
        var reference = config.State.Connection!;
        SecretReference.TryParse(reference, out var parsed);
        var value = parsed.Resolve(config.BaseDirectory, out var absence);
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ConfigException("state", [new ConfigError("$.state.connection",
                $"{parsed} resolves to nothing ({absence}): set the variable or write the file")]);
        }

        var noServer = false;
        try
        {
            // Read now, so a string its driver cannot read is a config error, not a crash when the store is first used.
            if (config.State.Store == "redis")
            {
                noServer = RedisConnectionString.Parse(value).EndPoints.Count == 0;
            }
            else
            {
                _ = new Npgsql.NpgsqlConnectionStringBuilder(value);
            }
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or KeyNotFoundException)
        {
            // The driver's words may quote the string, a credential: only its kind is told.
            throw new ConfigException("state", [new ConfigError("$.state.connection",
                $"{parsed} is not a {(config.State.Store == "redis" ? "StackExchange.Redis configuration" : "Npgsql connection")} string ({ex.GetType().Name}): check its keywords and values")]);
        }

        if (noServer)
        {
            // The driver skips what it cannot read as a server ("h:notaport"): the start would wait for no server at all.
            throw new ConfigException("state", [new ConfigError("$.state.connection",
                $"{parsed} names no Redis server it can read: give host:port (or unix:/path/to/redis.sock)")]);
        }

        return value;
    }
}
