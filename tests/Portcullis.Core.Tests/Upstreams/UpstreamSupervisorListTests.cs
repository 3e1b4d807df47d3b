using System.Threading.Channels;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Upstreams;

namespace Portcullis.Core.Tests.Upstreams;

/// <summary>
/// A tool list the upstream never finishes is given up after the list timeout: a refresh after a list change that
/// hangs is cancelled upstream and frees the listing, so the next change is listed (before, it waited forever).
/// </summary>
public sealed class UpstreamSupervisorListTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Refresh_ThatTheUpstreamNeverAnswers_IsCancelledAndTheNextChangeIsListed()
    {
        using var stop = new CancellationTokenSource();
        var hang = false;
        var listings = 0;
        var gaveUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = InMemoryUpstream.Start(
            async (_, ct) =>
            {
                var listing = Interlocked.Increment(ref listings);
                if (Volatile.Read(ref hang))
                {
                    try
                    {
                        await Task.Delay(Timeout.Infinite, ct);
                    }
                    catch (OperationCanceledException)
                    {
                        gaveUp.TrySetResult();
                        throw;
                    }
                }

                return new ListToolsResult { Tools = [new Tool { Name = $"listing_{listing}" }] };
            },
            listTimeout: TimeSpan.FromMilliseconds(500));
        var supervisor = upstream.Supervisor;
        var server = upstream.Server;
        var listed = Channel.CreateUnbounded<string>();
        supervisor.ToolsListed = (tools, _, ct) => listed.Writer.WriteAsync(tools.Tools.Single().Name, ct).AsTask();
        var running = supervisor.RunAsync(stop.Token);
        // On a busy machine the first listing may pass the 500 ms list timeout and be listed again: count from the one that came.
        var first = Number(await listed.Reader.ReadAsync().AsTask().WaitAsync(Wait));

        Volatile.Write(ref hang, true);
        await server.SendNotificationAsync(NotificationMethods.ToolListChangedNotification, cancellationToken: stop.Token).WaitAsync(Wait);
        await gaveUp.Task.WaitAsync(Wait);

        // The supervisor retries a failed refresh by itself after a pause; on a busy machine that retry may come (and hang
        // too) before the flag is reset, so the listing that succeeds is the second after the first or a later one.
        Volatile.Write(ref hang, false);
        await server.SendNotificationAsync(NotificationMethods.ToolListChangedNotification, cancellationToken: stop.Token).WaitAsync(Wait);
        var next = await listed.Reader.ReadAsync().AsTask().WaitAsync(Wait);
        Assert.True(Number(next) >= first + 2, $"{next} after listing_{first}");
        Assert.Equal(UpstreamState.Connected, supervisor.Status.State);

        await stop.CancelAsync();
        await running.WaitAsync(Wait);
    }

    /// <summary>Which listing a tool named <c>listing_N</c> came from.</summary>
    private static int Number(string tool)
    {
        Assert.StartsWith("listing_", tool, StringComparison.Ordinal);
        return int.Parse(tool["listing_".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
