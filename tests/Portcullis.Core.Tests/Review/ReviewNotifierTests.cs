using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Portcullis.Core.Configuration;
using Portcullis.Core.Idempotency;
using Portcullis.Core.Review;

namespace Portcullis.Core.Tests.Review;

/// <summary>The review webhook: an attempt that hangs is given up and tried again, and one hanging receiver holds up no other review.</summary>
public sealed class ReviewNotifierTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly string _base = Directory.CreateTempSubdirectory("portcullis-notify-").FullName;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-02T05:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    public void Dispose() => Directory.Delete(_base, recursive: true);

    /// <summary>Before, the attempt's 10 s timeout was not retried: a receiver that hung once never got the review.</summary>
    [Fact]
    public async Task Run_AnAttemptHangs_IsGivenUpAndTriedAgain()
    {
        var receiver = new Receiver(hangOn: review => review == "r1" ? 1 : 0);
        using var stop = new CancellationTokenSource(Timeout);
        var notifier = Notifier(receiver);
        var running = notifier.RunAsync(stop.Token);

        notifier.Announce(Review("r1"));

        await AdvanceUntilAsync(() => receiver.Delivered.ContainsKey("r1"));
        Assert.Equal(2, receiver.Attempts["r1"]);
        await StopAsync(stop, running);
    }

    /// <summary>Before, reviews were announced one at a time, so one that hung held up every later one.</summary>
    [Fact]
    public async Task Run_OneReceiverCallHangs_OtherReviewsAreStillDelivered()
    {
        var receiver = new Receiver(hangOn: review => review == "stuck" ? int.MaxValue : 0);
        using var stop = new CancellationTokenSource(Timeout);
        var notifier = Notifier(receiver);
        var running = notifier.RunAsync(stop.Token);

        notifier.Announce(Review("stuck"));
        await receiver.FirstAttempt("stuck").WaitAsync(Timeout);
        notifier.Announce(Review("next"));

        // No time passes: the hanging delivery's timeout has not fired when the next one arrives.
        await receiver.FirstDelivery("next").WaitAsync(Timeout);
        Assert.False(receiver.Delivered.ContainsKey("stuck"));
        await StopAsync(stop, running);
    }

    /// <summary>Before, a 4xx (a revoked hook: 404, 410; a refused payload: 400) was retried five times like an outage.</summary>
    [Fact]
    public async Task Run_AnAnswerThatWillNotChange_IsNotRetried_AnOutageIs()
    {
        var receiver = new Receiver(hangOn: _ => 0, status: (review, attempt) => review == "gone" ? HttpStatusCode.Gone
            : attempt == 1 ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK);
        using var stop = new CancellationTokenSource(Timeout);
        var notifier = Notifier(receiver);
        var running = notifier.RunAsync(stop.Token);

        notifier.Announce(Review("gone"));
        notifier.Announce(Review("busy"));

        await AdvanceUntilAsync(() => receiver.Delivered.ContainsKey("busy"));
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(2, receiver.Attempts["busy"]);
        Assert.Equal(1, receiver.Attempts["gone"]);
        await StopAsync(stop, running);
    }

    /// <summary>
    /// Before, the answer's body was read into memory (up to 2 GB) before the status was looked at: a receiver that sent
    /// an endless or huge body after its 200 held a delivery until the attempt's timeout, was retried as an outage, and
    /// four of them could hold gigabytes of the gateway's memory.
    /// </summary>
    [Fact]
    public async Task Run_ASuccessWithAnEndlessBody_IsDeliveredOnce_BodyUnread()
    {
        var body = new EndlessBody();
        var receiver = new Receiver(hangOn: _ => 0, content: () => new StreamContent(body));
        using var stop = new CancellationTokenSource(Timeout);
        var notifier = Notifier(receiver);
        var running = notifier.RunAsync(stop.Token);

        notifier.Announce(Review("chatty"));

        await receiver.FirstDelivery("chatty").WaitAsync(Timeout);
        // Well past the attempt's 10 s timeout and the first backoff: a retry would have come by now.
        for (var second = 0; second < 40; second++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(20);
        }

        Assert.Equal(1, receiver.Attempts["chatty"]);
        Assert.True(body.BytesRead <= 64 * 1024, $"read {body.BytesRead} bytes of the answer's body");
        await StopAsync(stop, running);
    }

    /// <summary>
    /// Before, every queued review kept its arguments in memory while a receiver hung, up to 1,000 reviews of
    /// <c>limits.max_body_bytes</c> each (a gigabyte at 1 MB), whether or not the summary would carry them. Now they are
    /// kept only when it does, and only within 64 MiB: past that a review is not announced (event 1704), as when 1,000 wait.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Announce_WhileTheReceiverHangs_QueuedArgumentsStayWithinTheirBound(bool includeArguments)
    {
        var receiver = new Receiver(hangOn: _ => int.MaxValue);
        var logger = new Diagnostics.ListLogger<ReviewNotifier>();
        using var stop = new CancellationTokenSource(Timeout);
        var notifier = new ReviewNotifier(new Clients(receiver), Config("http://127.0.0.1:9/hook", includeArguments), _time, logger);
        var running = notifier.RunAsync(stop.Token);
        var arguments = $$"""{"note":"{{new string('x', 1024 * 1024)}}"}""";
        var fits = (int)(ReviewNotifier.QueuedArgumentChars / arguments.Length);

        for (var i = 0; i < fits + 8; i++)
        {
            notifier.Announce(Review($"r{i}") with { ArgumentsJson = arguments });
        }

        var dropped = logger.Lines.Where(line => line.Contains("queue is full", StringComparison.Ordinal)).ToList();
        Assert.Equal(includeArguments ? 8 : 0, dropped.Count);
        if (includeArguments)
        {
            Assert.StartsWith($"Review r{fits}:", dropped[0]);
        }

        // Every delivery hangs: the stop ends them, without an exception from those it cancels mid-delivery.
        await stop.CancelAsync();
        Assert.IsNotType<TimeoutException>(await Record.ExceptionAsync(() => running.WaitAsync(Timeout)));
    }

    /// <summary>Before, a reference was read once and never checked: unset, the webhook was silently off; resolving to plain http, it posted in clear.</summary>
    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("http://hooks.example.com/T0/B0", false)]
    [InlineData("https://hooks.example.com/T0/B0\n", true)]
    [InlineData("http://127.0.0.1:9/hook", true)]
    public void NotifyUrl_AReferenceIsHeldToTheRuleOfALiteralUrl(string? written, bool allowed)
    {
        var secret = Path.Combine(_base, "hook.txt");
        if (written is not null)
        {
            File.WriteAllText(secret, written);
        }

        var config = Config("file:" + secret);

        Assert.Equal(allowed, ReviewNotifier.Url(config) is not null);
        if (allowed)
        {
            StartSecrets.Check(config);
            Assert.Equal(written!.Trim(), ReviewNotifier.Url(config));
        }
        else
        {
            var refused = Assert.Throws<ConfigException>(() => StartSecrets.Check(config));
            Assert.Contains("$.review.notify_url", refused.Message);
        }
    }

    /// <summary>
    /// Before, the summary's one-line text (what a chat shows) said nothing of look-alike letters: only the structured
    /// warnings did. With the arguments carried, the text now says where words mix scripts (their paths, the first three,
    /// hidden characters as escapes, then how many more), never the words themselves; without audit.include_arguments the
    /// summary carries no arguments, so its text names none of their places either.
    /// </summary>
    [Fact]
    public void Summary_ArgumentsMixScripts_TextNamesWhereButNotTheWords()
    {
        var notifier = SummaryNotifier(includeArguments: true);
        var review = Review("r1") with
        {
            ArgumentsJson = """{"to": "\u0430dmin", "note": "hello", "cc": ["b\u03BFb", "x"], "\u0430\u200Bcl": 1, "z": "\u0455am", "w": "p\u0430y p\u0430y"}""",
        };

        var text = notifier.Summary(review)["text"]!.GetValue<string>();
        var plain = notifier.Summary(Review("r2") with { ArgumentsJson = """{"to": "admin", "note": "Привет, мир"}""" })["text"]!.GetValue<string>();
        var notCarried = SummaryNotifier(includeArguments: false).Summary(review);

        Assert.EndsWith("; decide by 1970-01-01T01:00:00.000Z. Look-alike letters (words that mix scripts) in /to, /cc/0, /\u0430\\u200Bcl and 2 more: see warnings.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("dmin", text, StringComparison.Ordinal);
        Assert.DoesNotContain("b\u03BFb", text, StringComparison.Ordinal);
        Assert.EndsWith("; decide by 1970-01-01T01:00:00.000Z.", plain, StringComparison.Ordinal);
        Assert.EndsWith("; decide by 1970-01-01T01:00:00.000Z.", notCarried["text"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(notCarried["warnings"]);
    }

    /// <summary>A list cut at the cap gives the places it has seen as a floor, and says there are more words than it lists.</summary>
    [Fact]
    public void Summary_WarningsPastTheCap_TextSaysThereAreMore()
    {
        var notifier = SummaryNotifier(includeArguments: true);
        var oneValue = string.Join(' ', Enumerable.Repeat("\u0430dmin", 40));
        var manyValues = string.Join(", ", Enumerable.Range(0, 40).Select(i => $"\"k{i}\": \"\u0430dmin\""));

        var one = notifier.Summary(Review("r1") with { ArgumentsJson = "{\"text\": \"" + oneValue + "\"}" })["text"]!.GetValue<string>();
        var many = notifier.Summary(Review("r2") with { ArgumentsJson = "{" + manyValues + "}" })["text"]!.GetValue<string>();

        Assert.EndsWith(" Look-alike letters (words that mix scripts) in /text (more than 32 such words): see warnings.", one, StringComparison.Ordinal);
        Assert.EndsWith(" Look-alike letters (words that mix scripts) in /k0, /k1, /k2 and at least 29 more (more than 32 such words): see warnings.", many, StringComparison.Ordinal);
    }

    private ReviewNotifier SummaryNotifier(bool includeArguments) =>
        new(new Clients(new Receiver(_ => 0)), Config("http://127.0.0.1:9/hook", includeArguments), _time, NullLogger<ReviewNotifier>.Instance);

    /// <summary>Stops the notifier as the host does: its deliveries end by cancellation.</summary>
    private static async Task StopAsync(CancellationTokenSource stop, Task running)
    {
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(Timeout));
    }

    private ReviewNotifier Notifier(Receiver receiver) =>
        new(new Clients(receiver), Config("http://127.0.0.1:9/hook"), _time, NullLogger<ReviewNotifier>.Instance);

    private GatewayConfig Config(string notifyUrl, bool includeArguments = false) => ConfigLoader.Parse($$"""
        {
          "environment": "dev",
          "audit": { "include_arguments": {{(includeArguments ? "true" : "false")}} },
          "review": { "notify_url": {{System.Text.Json.JsonSerializer.Serialize(notifyUrl)}} },
          "connectors": [
            { "server": "crm", "environment": "dev", "upstream": { "url": "http://127.0.0.1:9/mcp" }, "auth": { "mode": "none" }, "tools_allow": ["find_contact"] }
          ]
        }
        """, _base, "test.json");

    private static ReviewRecord Review(string id) =>
        new(id, new IdempotencyScope("dev", "crm", "alice", "delete_contact", "k-" + id), "sha", "reviewer", "{}", "c-" + id,
            DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddHours(1), 1);

    /// <summary>Moves the fake clock a second at a time (the attempt's timeout, the backoff) until <paramref name="done"/>.</summary>
    private async Task AdvanceUntilAsync(Func<bool> done)
    {
        for (var deadline = DateTime.UtcNow + Timeout; !done(); await Task.Delay(20))
        {
            Assert.True(DateTime.UtcNow < deadline, "not delivered in time");
            _time.Advance(TimeSpan.FromSeconds(1));
        }
    }

    private sealed class Clients(HttpMessageHandler handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(handler, disposeHandler: false);
    }

    /// <summary>The webhook's receiver: hangs (until the request is given up) on the first attempts of a review, then answers 200.</summary>
    private sealed class Receiver(Func<string, int> hangOn, Func<string, int, HttpStatusCode>? status = null, Func<HttpContent>? content = null) : HttpMessageHandler
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource> _firstAttempts = new();
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource> _deliveries = new();

        public System.Collections.Concurrent.ConcurrentDictionary<string, int> Attempts { get; } = new();

        public System.Collections.Concurrent.ConcurrentDictionary<string, bool> Delivered { get; } = new();

        public Task FirstAttempt(string review) => _firstAttempts.GetOrAdd(review, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

        public Task FirstDelivery(string review) => _deliveries.GetOrAdd(review, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = System.Text.Json.Nodes.JsonNode.Parse(await request.Content!.ReadAsStringAsync(cancellationToken))!;
            var review = body["review_id"]!.GetValue<string>();
            var attempt = Attempts.AddOrUpdate(review, 1, (_, n) => n + 1);
            _firstAttempts.GetOrAdd(review, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            if (attempt <= hangOn(review))
            {
                await Task.Delay(System.Threading.Timeout.Infinite, cancellationToken);
            }

            if (status?.Invoke(review, attempt) is { } answer and not HttpStatusCode.OK)
            {
                return new HttpResponseMessage(answer);
            }

            Delivered[review] = true;
            _deliveries.GetOrAdd(review, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = content?.Invoke() };
        }
    }

    /// <summary>An answer's body that gives a megabyte, then never ends (until the reader gives up).</summary>
    private sealed class EndlessBody : Stream
    {
        private long _read;

        public long BytesRead => Interlocked.Read(ref _read);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (BytesRead >= 1024 * 1024)
            {
                await Task.Delay(System.Threading.Timeout.Infinite, cancellationToken);
            }

            buffer.Span.Fill((byte)'x');
            Interlocked.Add(ref _read, buffer.Length);
            return buffer.Length;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
