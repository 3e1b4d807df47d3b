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
        // A redirect is not followed: a 307 or 308 would carry the review's summary (its arguments too, with
        // audit.include_arguments) to a host the operator never configured, an internal one as readily as any.
        services.AddHttpClient(Core.Review.ReviewNotifier.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(15))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false })
            .RemoveAllLoggers();
        services.AddSingleton<UnsavedHandshakes>();
        // Records of which replica holds a call or asked a question, made again after an outage until the host stops.
        services.AddSingleton(sp => new Core.Relay.RouteRecorder(
            sp.GetService<Core.Relay.IPendingCallRoutes>(), sp.GetRequiredService<Core.State.StateClock>(),
            sp.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping));
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

        string? serverProblem;
        try
        {
            // Read now, so a string its driver cannot read is a config error, not a crash when the store is first used.
            serverProblem = config.State.Store == "redis" ? RedisServerProblem(value) : PostgresServerProblem(value);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or KeyNotFoundException)
        {
            // The driver's words may quote the string, a credential: only its kind is told.
            throw new ConfigException("state", [new ConfigError("$.state.connection",
                $"{parsed} is not a {(config.State.Store == "redis" ? "StackExchange.Redis configuration" : "Npgsql connection")} string ({ex.GetType().Name}): check its keywords and values")]);
        }

        if (serverProblem is not null)
        {
            // Told by place and kind only: an entry the driver cannot read may be a credential written without its keyword.
            throw new ConfigException("state", [new ConfigError("$.state.connection", $"{parsed} {serverProblem}")]);
        }

        return value;
    }

    /// <summary>The driver skips a server entry it cannot read ("h:notaport"): the start would wait for fewer servers, or none.</summary>
    private static string? RedisServerProblem(string value)
    {
        var options = RedisConnectionString.Parse(value);
        var unreadable = RedisConnectionString.UnreadableServerEntry(value);
        return options.EndPoints.Count == 0 ? "names no Redis server it can read: give host:port (or unix:/path/to/redis.sock)"
            : unreadable > 0 ? $"has a server entry the driver cannot read (server entry {unreadable}, counting entries without '='): give host:port"
            : null;
    }

    /// <summary>Npgsql reads no PGHOST: a string without <c>Host</c> fails on every use, long after the start.</summary>
    private static string? PostgresServerProblem(string value) =>
        string.IsNullOrWhiteSpace(new Npgsql.NpgsqlConnectionStringBuilder(value).Host)
            ? "names no PostgreSQL server: give Host=name (or several, Host=a,b:5433)"
            : null;
}
