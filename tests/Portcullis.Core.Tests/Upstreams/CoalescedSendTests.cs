using Microsoft.Extensions.Time.Testing;
using Portcullis.Core.Upstreams;

namespace Portcullis.Core.Tests.Upstreams;

public sealed class CoalescedSendTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task RequestsWhileASendRuns_AreAnsweredByOneMoreRunAfterIt()
    {
        var runs = 0;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var send = new CoalescedSend(
            async _ =>
            {
                if (Interlocked.Increment(ref runs) == 1)
                {
                    started.SetResult();
                    await gate.Task;
                }
            },
            TimeSpan.Zero,
            TimeProvider.System);

        var first = send.RequestAsync(CancellationToken.None).AsTask();
        await started.Task.WaitAsync(Wait);
        var during = Enumerable.Range(0, 1000).Select(_ => send.RequestAsync(CancellationToken.None).AsTask()).ToArray();
        await Task.WhenAll(during).WaitAsync(Wait);
        Assert.Equal(1, Volatile.Read(ref runs));

        gate.SetResult();
        await first.WaitAsync(Wait);

        Assert.Equal(2, runs);
        await send.RequestAsync(CancellationToken.None).AsTask().WaitAsync(Wait);
        Assert.Equal(3, runs);
    }

    [Fact]
    public async Task ASendThatFails_LeavesTheNextRequestToRun()
    {
        var runs = 0;
        var send = new CoalescedSend(
            _ => Interlocked.Increment(ref runs) == 1 ? throw new OperationCanceledException() : ValueTask.CompletedTask, TimeSpan.Zero, TimeProvider.System);

        await Assert.ThrowsAsync<OperationCanceledException>(() => send.RequestAsync(CancellationToken.None).AsTask().WaitAsync(Wait));
        await send.RequestAsync(CancellationToken.None).AsTask().WaitAsync(Wait);

        Assert.Equal(2, runs);
    }

    [Fact]
    public async Task TheRunAfterARun_WaitsForTheSpacing()
    {
        var time = new FakeTimeProvider();
        var runs = 0;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var send = new CoalescedSend(
            async _ =>
            {
                if (Interlocked.Increment(ref runs) == 1)
                {
                    await gate.Task;
                }
            },
            TimeSpan.FromMilliseconds(200),
            time);

        var first = send.RequestAsync(CancellationToken.None).AsTask();
        await send.RequestAsync(CancellationToken.None).AsTask().WaitAsync(Wait);
        gate.SetResult();

        // The second run waits for the spacing, which only the fake clock can end.
        await Task.Delay(TimeSpan.FromMilliseconds(200));
        Assert.Equal(1, Volatile.Read(ref runs));
        Assert.False(first.IsCompleted);
        var deadline = DateTime.UtcNow + Wait;
        while (!first.IsCompleted && DateTime.UtcNow < deadline)
        {
            time.Advance(TimeSpan.FromMilliseconds(200));
            await Task.WhenAny(first, Task.Delay(20));
        }

        await first.WaitAsync(Wait);
        Assert.Equal(2, runs);
    }

    /// <summary>Requests that trickle in just after each run (a burst on a busy host) still get runs no closer than the spacing.</summary>
    [Fact]
    public async Task ARequestJustAfterARun_WaitsForTheSpacingToo()
    {
        var time = new FakeTimeProvider();
        var runs = 0;
        var send = new CoalescedSend(_ => { Interlocked.Increment(ref runs); return ValueTask.CompletedTask; }, TimeSpan.FromMilliseconds(200), time);

        var first = send.RequestAsync(CancellationToken.None).AsTask();
        await send.RequestAsync(CancellationToken.None).AsTask().WaitAsync(Wait);
        Assert.Equal(1, Volatile.Read(ref runs));

        var deadline = DateTime.UtcNow + Wait;
        while (!first.IsCompleted && DateTime.UtcNow < deadline)
        {
            time.Advance(TimeSpan.FromMilliseconds(200));
            await Task.WhenAny(first, Task.Delay(20));
        }

        await first.WaitAsync(Wait);
        Assert.Equal(2, runs);
    }
}
