using System.IO.Pipelines;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
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
        var toServer = new Pipe();
        var toClient = new Pipe();
        var lists = 0;
        var secondListAsked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new McpServerOptions
        {
            Capabilities = new ServerCapabilities { Tools = new ToolsCapability { ListChanged = true } },
            Handlers = new McpServerHandlers
            {
                ListToolsHandler = async (_, ct) =>
                {
                    if (Interlocked.Increment(ref lists) > 1)
                    {
                        secondListAsked.TrySetResult();
                        await Task.Delay(Timeout.Infinite, ct);
                    }

                    return new ListToolsResult { Tools = [] };
                },
            },
        };
        await using var server = McpServer.Create(new StreamServerTransport(toServer.Reader.AsStream(), toClient.Writer.AsStream()), options);
        var serving = server.RunAsync(CancellationToken.None);
        var supervisor = new UpstreamSupervisor("crm", () => new StreamClientTransport(toServer.Writer.AsStream(), toClient.Reader.AsStream()),
            TimeProvider.System, NullLoggerFactory.Instance, listTimeout: TimeSpan.FromMinutes(5));
        var running = supervisor.RunAsync(stop.Token);
        await supervisor.FirstAttempt.WaitAsync(Wait);

        await server.SendNotificationAsync(NotificationMethods.ToolListChangedNotification).WaitAsync(Wait);
        await secondListAsked.Task.WaitAsync(Wait);
        await stop.CancelAsync();

        await running.WaitAsync(Wait);
        Assert.Null(supervisor.Client);
        toServer.Writer.Complete();
        await serving.WaitAsync(Wait).ContinueWith(_ => { }, TaskScheduler.Default);
    }
}
