using Portcullis.Core.Review;

namespace Portcullis.Hosting;

/// <summary>Delivers review webhooks (<c>review.notify_url</c>) in the background for the life of the gateway.</summary>
internal sealed class ReviewNotifyService(ReviewNotifier notifier) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => notifier.Enabled ? notifier.RunAsync(stoppingToken) : Task.CompletedTask;
}
