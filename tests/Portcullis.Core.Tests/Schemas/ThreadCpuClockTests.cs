using Portcullis.Core.Schemas;

namespace Portcullis.Core.Tests.Schemas;

/// <summary>The pattern budget's clock charges a thread's own CPU time, not the time it waited.</summary>
public sealed class ThreadCpuClockTests
{
    [Fact]
    public void Elapsed_WhileTheThreadWaits_StaysNearZero()
    {
        var clock = ThreadCpuClock.Instance;
        var started = clock.GetTimestamp();

        Thread.Sleep(TimeSpan.FromMilliseconds(300));

        Assert.True(clock.GetElapsedTime(started) < TimeSpan.FromMilliseconds(100), $"charged {clock.GetElapsedTime(started)} for a sleep");
    }

    [Fact]
    public void Elapsed_WhileTheThreadWorks_Advances()
    {
        var clock = ThreadCpuClock.Instance;
        var started = clock.GetTimestamp();
        var sum = 0L;

        for (var i = 0; clock.GetElapsedTime(started) < TimeSpan.FromMilliseconds(20) && i < int.MaxValue; i++)
        {
            sum += i % 7;
        }

        Assert.True(sum >= 0);
        Assert.True(clock.GetElapsedTime(started) >= TimeSpan.FromMilliseconds(20));
    }
}
