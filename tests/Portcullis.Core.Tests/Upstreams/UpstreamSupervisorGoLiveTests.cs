using ModelContextProtocol.Protocol;
using Portcullis.Core.Upstreams;

namespace Portcullis.Core.Tests.Upstreams;

/// <summary>
/// A connection goes live only once the catalog built from its tools is in place: until then a call would be judged by
/// the catalog of the connection before it (a restarted upstream may list other tools, now destructive or changed
/// against their pins) and sent to the new one. Before, the client was live while its list was still being built.
/// </summary>
public sealed class UpstreamSupervisorGoLiveTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Connect_WhileItsCatalogIsBuilt_NoCallCanBeSentAndTheConnectionIsLiveOnceItIsInPlace()
    {
        using var stop = new CancellationTokenSource();
        await using var upstream = InMemoryUpstream.Start(
            (_, _) => ValueTask.FromResult(new ListToolsResult { Tools = [new Tool { Name = "find" }] }),
            listTimeout: TimeSpan.FromSeconds(10));
        var supervisor = upstream.Supervisor;
        var seen = new TaskCompletionSource<(bool LiveWhileBuilding, bool LiveOnceInPlace, UpstreamState StateOnceInPlace)>(TaskCreationOptions.RunContinuationsAsynchronously);
        supervisor.ToolsListed = (_, inPlace, _) =>
        {
            var whileBuilding = supervisor.Client is not null;
            inPlace();
            seen.TrySetResult((whileBuilding, supervisor.Client is not null, supervisor.Status.State));
            return Task.CompletedTask;
        };

        var running = supervisor.RunAsync(stop.Token);
        var (liveWhileBuilding, liveOnceInPlace, stateOnceInPlace) = await seen.Task.WaitAsync(Wait);

        Assert.False(liveWhileBuilding);
        Assert.True(liveOnceInPlace);
        Assert.Equal(UpstreamState.Connected, stateOnceInPlace);
        await stop.CancelAsync();
        await running.WaitAsync(Wait);
    }

    [Fact]
    public async Task Connect_CatalogBuildFails_TheConnectionNeverGoesLive()
    {
        using var stop = new CancellationTokenSource();
        await using var upstream = InMemoryUpstream.Start(
            (_, _) => ValueTask.FromResult(new ListToolsResult { Tools = [new Tool { Name = "find" }] }),
            listTimeout: TimeSpan.FromSeconds(10));
        var supervisor = upstream.Supervisor;
        var failed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var liveSeen = false;
        supervisor.ToolsListed = (_, _, _) =>
        {
            liveSeen |= supervisor.Client is not null;
            failed.TrySetResult();
            throw new InvalidOperationException("the catalog could not be built");
        };

        var running = supervisor.RunAsync(stop.Token);
        await failed.Task.WaitAsync(Wait);
        await stop.CancelAsync();
        await running.WaitAsync(Wait);

        Assert.False(liveSeen);
        Assert.Null(supervisor.Client);
    }
}
