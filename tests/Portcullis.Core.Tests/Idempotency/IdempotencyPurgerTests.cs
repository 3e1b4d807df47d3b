using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Portcullis.Core.Configuration;
using Portcullis.Core.Idempotency;

namespace Portcullis.Core.Tests.Idempotency;

public sealed class IdempotencyPurgerTests
{
    /// <summary>Ends any await that takes longer than a test allows.</summary>
    private static CancellationToken Deadline => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Run_PurgesAtStartThenEveryHour_WithTheRetentionCutOff()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var store = new WatchedStore();
        var purger = new IdempotencyPurger(store, new GatewayConfig { Idempotency = new IdempotencyConfig { RetentionHours = 24 } }, time, NullLogger<IdempotencyPurger>.Instance);
        using var stop = new CancellationTokenSource();

        var running = purger.RunAsync(stop.Token);
        var first = await store.Purges.Reader.ReadAsync().AsTask().WaitAsync(Timeout);
        time.Advance(TimeSpan.FromMinutes(59));
        Assert.False(store.Purges.Reader.TryRead(out _));
        time.Advance(TimeSpan.FromMinutes(1));
        var second = await store.Purges.Reader.ReadAsync().AsTask().WaitAsync(Timeout);
        await stop.CancelAsync();

        Assert.Equal(new DateTimeOffset(2025, 12, 31, 0, 0, 0, TimeSpan.Zero), first);
        Assert.Equal(new DateTimeOffset(2025, 12, 31, 1, 0, 0, TimeSpan.Zero), second);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(Timeout));
    }

    [Fact]
    public async Task PurgeOnce_StoreFails_IsLoggedNotThrown()
    {
        var purger = new IdempotencyPurger(new WatchedStore { Fail = true }, new GatewayConfig(), TimeProvider.System, NullLogger<IdempotencyPurger>.Instance);

        await purger.PurgeOnceAsync(Deadline).WaitAsync(Timeout);
    }

    /// <summary>Observes purges; every other step is unused here.</summary>
    private sealed class WatchedStore : IIdempotencyStore
    {
        public Channel<DateTimeOffset> Purges { get; } = Channel.CreateUnbounded<DateTimeOffset>();

        public bool Fail { get; init; }

        public ValueTask<int> PurgeAsync(DateTimeOffset createdBefore, CancellationToken cancellationToken)
        {
            if (Fail)
            {
                throw new IOException("disk gone");
            }

            Purges.Writer.TryWrite(createdBefore);
            return ValueTask.FromResult(0);
        }

        public ValueTask<ClaimResult> TryClaimAsync(IdempotencyClaimRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<bool> CompleteAsync(IdempotencyScope scope, string token, string resultJson, DateTimeOffset now, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<bool> MarkUnknownAsync(IdempotencyScope scope, string token, DateTimeOffset now, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<bool> ReleaseAsync(IdempotencyScope scope, string token, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<IdempotencyRecord?> GetAsync(IdempotencyScope scope, DateTimeOffset now, TimeSpan retention, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<IdempotencyRecordPage> ListAsync(IdempotencyListRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<ResolveStatus> ResolveAsync(IdempotencyResolveRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<Portcullis.Core.Review.ReviewRecord?> GetReviewAsync(string id, DateTimeOffset now, TimeSpan retention, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<Portcullis.Core.Review.ReviewPage> ListReviewsAsync(Portcullis.Core.Review.ReviewListRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<Portcullis.Core.Review.ReviewDecisionResult> DecideReviewAsync(Portcullis.Core.Review.ReviewDecisionRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<Portcullis.Core.Review.ReviewRecord?> HandOverReviewAsync(Portcullis.Core.Review.ReviewHandOverRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
