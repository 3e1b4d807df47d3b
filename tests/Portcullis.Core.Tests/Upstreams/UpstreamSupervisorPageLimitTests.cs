using System.IO.Pipelines;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Portcullis.Core.Upstreams;

namespace Portcullis.Core.Tests.Upstreams;

/// <summary>
/// A stdio upstream's tool list is read a page at a time and each page held to <c>limits.max_result_bytes</c>: before,
/// a page of any size (100 MB of tools) was kept in the catalog and passed on to every client.
/// </summary>
public sealed class UpstreamSupervisorPageLimitTests
{
    private const long Limit = 4096;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task FirstList_APageOverTheLimit_AttemptFailsNothingListedAndStatusSaysWhy()
    {
        using var stop = new CancellationTokenSource();
        await using var upstream = PagedUpstream.Start(big: true, stop.Token);
        var log = new EventLog();
        var supervisor = upstream.Supervisor(log);
        var listed = 0;
        supervisor.ToolsListed = (_, _, _) =>
        {
            Interlocked.Increment(ref listed);
            return Task.CompletedTask;
        };
        var running = supervisor.RunAsync(stop.Token);

        await supervisor.FirstAttempt.WaitAsync(Wait);
        await log.WaitForAsync(1023).WaitAsync(Wait);
        Assert.Equal(0, Volatile.Read(ref listed));
        Assert.True(supervisor.Status.FailedStarts >= 1, supervisor.Status.ToString());
        Assert.Contains("tool list is larger than the 4096 bytes accepted", supervisor.Status.LastError!.Text, StringComparison.Ordinal);

        await stop.CancelAsync();
        await running.WaitAsync(Wait);
    }

    [Fact]
    public async Task Refresh_APageOverTheLimit_CatalogKeepsItsLastListUntilAListFits()
    {
        using var stop = new CancellationTokenSource();
        await using var upstream = PagedUpstream.Start(big: false, stop.Token);
        var log = new EventLog();
        var supervisor = upstream.Supervisor(log);
        var listed = Channel.CreateUnbounded<IReadOnlyList<Tool>>();
        supervisor.ToolsListed = (tools, _, ct) => listed.Writer.WriteAsync(tools.Tools, ct).AsTask();
        var running = supervisor.RunAsync(stop.Token);

        // Both pages, each within the limit: the whole list.
        Assert.Equal(["first", "second"], (await listed.Reader.ReadAsync().AsTask().WaitAsync(Wait)).Select(t => t.Name));
        // Listed page by page, the client has no tool cache: a call must not need one (nor log its absence).
        await supervisor.Client!.CallToolAsync("first", cancellationToken: stop.Token).AsTask().WaitAsync(Wait);
        Assert.DoesNotContain(log.Messages, m => m.Contains("cache", StringComparison.OrdinalIgnoreCase));

        upstream.Big = true;
        await upstream.AnnounceAsync(stop.Token).WaitAsync(Wait);
        await log.WaitForAsync(1023).WaitAsync(Wait);
        await log.WaitForAsync(1006).WaitAsync(Wait);
        Assert.True(supervisor.ToolsOutdated);
        Assert.False(listed.Reader.TryRead(out _), "an oversized list was handed to the catalog");

        upstream.Big = false;
        await upstream.AnnounceAsync(stop.Token).WaitAsync(Wait);
        Assert.Equal(["first", "second"], (await listed.Reader.ReadAsync().AsTask().WaitAsync(Wait)).Select(t => t.Name));

        await stop.CancelAsync();
        await running.WaitAsync(Wait);
    }

    /// <summary>
    /// Before, an upstream that answered every page with another cursor grew the gateway's memory a page at a time until
    /// the list timed out (an attack review measured 3 GB); pages of no tools at all went on as long.
    /// </summary>
    [Theory]
    [InlineData(Pages.Endless)]
    [InlineData(Pages.EndlessEmpty)]
    public async Task FirstList_PagesWithoutEnd_AttemptFailsOnceTheyAddUpPastTheLimit(Pages pages)
    {
        using var stop = new CancellationTokenSource();
        await using var upstream = PagedUpstream.Start(big: false, stop.Token, pages);
        var log = new EventLog();
        var supervisor = upstream.Supervisor(log);
        var running = supervisor.RunAsync(stop.Token);

        await supervisor.FirstAttempt.WaitAsync(Wait);
        await log.WaitForAsync(1028).WaitAsync(Wait);
        Assert.Contains("all its pages together", supervisor.Status.LastError!.Text, StringComparison.Ordinal);
        // The attempt stopped at the bound (a retry after the backoff may have begun since).
        Assert.True(upstream.PagesServed < 2 * (ListPage.MaxPages + 1), $"{upstream.PagesServed} pages read");

        await stop.CancelAsync();
        await running.WaitAsync(Wait);
    }

    public enum Pages
    {
        Two,
        Endless,
        EndlessEmpty,
    }

    /// <summary>An in-memory upstream whose tool list has two pages; the second is over the limit while <see cref="Big"/>.</summary>
    private sealed class PagedUpstream : IAsyncDisposable
    {
        private readonly Pipe _toServer = new();
        private readonly Pipe _toClient = new();
        private McpServer _server = null!;
        private Task _serving = Task.CompletedTask;
        private volatile bool _big;

        public bool Big { get => _big; set => _big = value; }

        private int _pagesServed;

        public int PagesServed => Volatile.Read(ref _pagesServed);

        public static PagedUpstream Start(bool big, CancellationToken cancellationToken, Pages pages = Pages.Two)
        {
            var upstream = new PagedUpstream { Big = big };
            var options = new McpServerOptions
            {
                Capabilities = new ServerCapabilities { Tools = new ToolsCapability { ListChanged = true } },
                Handlers = new McpServerHandlers
                {
                    ListToolsHandler = (request, _) =>
                    {
                        var served = Interlocked.Increment(ref upstream._pagesServed);
                        return ValueTask.FromResult(pages switch
                        {
                            Pages.Endless => new ListToolsResult { Tools = [Tool("t" + served, new string('d', 1000))], NextCursor = "p" + served },
                            Pages.EndlessEmpty => new ListToolsResult { Tools = [], NextCursor = "p" + served },
                            _ => request.Params?.Cursor is null
                                ? new ListToolsResult { Tools = [Tool("first", "small")], NextCursor = "2" }
                                : new ListToolsResult { Tools = [Tool("second", upstream.Big ? new string('x', (int)Limit * 2) : "small")] },
                        });
                    },
                    CallToolHandler = (_, _) => ValueTask.FromResult(new CallToolResult { Content = [new TextContentBlock { Text = "ok" }] }),
                },
            };
            upstream._server = McpServer.Create(new StreamServerTransport(upstream._toServer.Reader.AsStream(), upstream._toClient.Writer.AsStream()), options);
            upstream._serving = upstream._server.RunAsync(cancellationToken);
            return upstream;
        }

        public UpstreamSupervisor Supervisor(ILoggerFactory loggerFactory) =>
            new("crm", () => new StreamClientTransport(_toServer.Writer.AsStream(), _toClient.Reader.AsStream()), TimeProvider.System, loggerFactory, listLimit: Limit);

        public Task AnnounceAsync(CancellationToken cancellationToken) =>
            _server.SendNotificationAsync(NotificationMethods.ToolListChangedNotification, cancellationToken: cancellationToken);

        public async ValueTask DisposeAsync()
        {
            await _server.DisposeAsync();
            await _serving.WaitAsync(Wait).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        private static Tool Tool(string name, string description) => new()
        {
            Name = name,
            Description = description,
            InputSchema = System.Text.Json.JsonDocument.Parse("""{"type":"object"}""").RootElement,
        };
    }

    /// <summary>Every log event of every category from Information up, with a wait for one id.</summary>
    private sealed class EventLog : ILoggerFactory, ILogger
    {
        private readonly Lock _gate = new();
        private readonly List<(int Id, TaskCompletionSource Seen)> _waiters = [];
        private readonly List<int> _ids = [];
        private readonly List<string> _messages = [];

        public IReadOnlyList<string> Messages
        {
            get
            {
                lock (_gate)
                {
                    return [.. _messages];
                }
            }
        }

        public Task WaitForAsync(int id)
        {
            lock (_gate)
            {
                if (_ids.Contains(id))
                {
                    return Task.CompletedTask;
                }

                var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((id, seen));
                return seen.Task;
            }
        }

        public ILogger CreateLogger(string categoryName) => this;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            lock (_gate)
            {
                _ids.Add(eventId.Id);
                _messages.Add(formatter(state, exception));

                foreach (var waiter in _waiters.Where(w => w.Id == eventId.Id).ToList())
                {
                    waiter.Seen.TrySetResult();
                    _waiters.Remove(waiter);
                }
            }
        }
    }
}
