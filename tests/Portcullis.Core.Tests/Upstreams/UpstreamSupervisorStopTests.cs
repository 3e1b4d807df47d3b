using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Upstreams;

namespace Portcullis.Core.Tests.Upstreams;

public sealed class UpstreamSupervisorStopTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Ending a connection waits for a refresh under way; before, a refresh waiting for a list the upstream never answered
    /// held the supervisor's stop until the list timed out (a test saw 30 s).
    /// </summary>
    [Fact]
    public async Task Stop_WhileARefreshWaitsForAnUnansweredList_EndsWithoutWaitingForTheListTimeout()
    {
        using var stop = new CancellationTokenSource();
        var lists = 0;
        var secondListAsked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = InMemoryUpstream.Start(
            async (_, ct) =>
            {
                if (Interlocked.Increment(ref lists) > 1)
                {
                    secondListAsked.TrySetResult();
                    await Task.Delay(Timeout.Infinite, ct);
                }

                return new ListToolsResult { Tools = [] };
            },
            listTimeout: TimeSpan.FromMinutes(5));
        var supervisor = upstream.Supervisor;
        var running = supervisor.RunAsync(stop.Token);
        await supervisor.FirstAttempt.WaitAsync(Wait);

        await upstream.Server.SendNotificationAsync(NotificationMethods.ToolListChangedNotification).WaitAsync(Wait);
        await secondListAsked.Task.WaitAsync(Wait);
        await stop.CancelAsync();

        await running.WaitAsync(Wait);
        Assert.Null(supervisor.Client);
    }
}
