using Portcullis.Core.Configuration;
using Portcullis.Core.Idempotency;
using Portcullis.Stores.Sqlite;

namespace Portcullis.Hosting;

/// <summary>Chooses the idempotency store named by <c>idempotency.store</c> and starts its purge.</summary>
internal static class IdempotencyRegistration
{
    public static IServiceCollection AddIdempotency(this IServiceCollection services, GatewayConfig config)
    {
        switch (config.Idempotency.Store)
        {
            case "sqlite":
                services.AddSqliteIdempotencyStore(config.DataDir!);
                break;
            default:
                // The config validator refuses other stores at start-up; reaching this is a programming error.
                throw new InvalidOperationException($"Idempotency store '{config.Idempotency.Store}' is not implemented.");
        }

        services.AddSingleton<IdempotencyPurger>();
        services.AddHostedService<IdempotencyPurgeService>();
        services.AddHostedService<ReviewNotifyService>();
        services.AddHttpClient(Core.Review.ReviewNotifier.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(15));
        return services;
    }
}
