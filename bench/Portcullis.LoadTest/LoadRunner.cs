using System.Diagnostics;
using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Portcullis.LoadTest;

/// <summary>Drives <c>tools/call</c> over real Streamable HTTP with C concurrent clients for D seconds.</summary>
internal static class LoadRunner
{
    /// <summary>The window in which the JIT's progress, or the CPU per call, is compared while settling.</summary>
    private static readonly TimeSpan SettleWindow = TimeSpan.FromSeconds(5);

    /// <summary>Fewer compilations than this in one window: the process's JIT has caught up with its hot code.</summary>
    private const int WarmCompilations = 25;

    /// <param name="pid">The process under test: its CPU time is read around the measured window.</param>
    /// <param name="settle">
    /// After the warm-up, how long at most to keep loading until the process under test is warm. A fresh .NET process
    /// keeps recompiling its hot methods at higher tiers for half a minute or more under load, getting cheaper all the
    /// while, so rows started at different times compare only once each has settled: for a .NET process, until it
    /// JIT-compiles fewer than 25 methods in a 5 s window; for another (the Node peers), until the CPU per call of one
    /// 5 s window is within 5 % of the window before.
    /// </param>
    /// <param name="storeCpuSeconds">The CPU seconds of a state store's server so far, read around the measured window too.</param>
    /// <param name="upstreamCpuSeconds">The CPU seconds of the upstream answering the calls so far, read around the measured window too.</param>
    public static async Task<LoadResult> RunAsync(LoadTarget target, int clients, TimeSpan duration, TimeSpan warmup, CancellationToken cancellationToken, int? pid = null, TimeSpan settle = default, Func<double>? storeCpuSeconds = null, Func<double>? upstreamCpuSeconds = null)
    {
        using var self = Process.GetCurrentProcess();
        Func<double>? cpuSeconds = pid is { } id ? () => ManagedProcess.CpuSeconds(id) : null;
        using var runtime = pid is { } watched ? RuntimeWatch.TryStart(watched) : null;
        var sessions = new McpClient[clients];
        for (var i = 0; i < clients; i++)
        {
            sessions[i] = await ConnectAsync(target, cancellationToken);
        }

        try
        {
            await DriveAsync(target, sessions, warmup, cancellationToken); // JIT, pools and caches settle first
            Settling? settled = cpuSeconds is null ? null : await SettleAsync(target, sessions, cpuSeconds, runtime, settle, cancellationToken);
            var allocatedBefore = runtime?.Allocated;
            var cpuBefore = cpuSeconds?.Invoke();
            var storeBefore = storeCpuSeconds?.Invoke();
            var upstreamBefore = upstreamCpuSeconds?.Invoke();
            self.Refresh();
            var loadBefore = self.TotalProcessorTime;
            var machineBefore = MachineCpu.Now();
            var (latencies, errors, replays, firstError, elapsed) = await DriveAsync(target, sessions, duration, cancellationToken);
            var cpuAfter = cpuSeconds?.Invoke();
            var allocatedAfter = runtime?.Allocated;
            var storeAfter = storeCpuSeconds?.Invoke();
            var upstreamAfter = upstreamCpuSeconds?.Invoke();
            self.Refresh();
            var loadAfter = self.TotalProcessorTime;
            var machineBusy = MachineCpu.Now().BusyCoresSince(machineBefore);
            latencies.Sort();
            var calls = latencies.Count + errors;
            double? cpuPerCall = cpuBefore is { } b && cpuAfter is { } a && calls > 0 ? (a - b) * 1000 / calls : null;
            double? storePerCall = storeBefore is { } sb && storeAfter is { } sa && calls > 0 ? (sa - sb) * 1000 / calls : null;
            double? upstreamPerCall = upstreamBefore is { } ub && upstreamAfter is { } ua && calls > 0 ? (ua - ub) * 1000 / calls : null;
            double? loadPerCall = calls > 0 ? (loadAfter - loadBefore).TotalMilliseconds / calls : null;
            return new LoadResult(target.Name, clients, calls, errors, elapsed,
                Percentile(latencies, 0.50), Percentile(latencies, 0.90), Percentile(latencies, 0.99), firstError, cpuPerCall, machineBusy, settled, replays, storePerCall, upstreamPerCall, loadPerCall)
            {
                KibPerCall = KibPerCall(allocatedBefore, allocatedAfter, calls / elapsed.TotalSeconds),
            };
        }
        finally
        {
            foreach (var session in sessions)
            {
                await session.DisposeAsync();
            }
        }
    }

    /// <summary>KiB allocated per call: the allocation rate of the reports received in the window over its call rate.</summary>
    private static double? KibPerCall((double Bytes, double Seconds)? before, (double Bytes, double Seconds)? after, double callsPerSecond) =>
        before is { } b && after is { } a && a.Seconds - b.Seconds >= 1 && callsPerSecond > 0
            ? (a.Bytes - b.Bytes) / (a.Seconds - b.Seconds) / callsPerSecond / 1024
            : null;

    /// <summary>Loads in 5 s windows until the process is warm (see <see cref="RunAsync"/>), or <paramref name="limit"/> is spent.</summary>
    private static async Task<Settling> SettleAsync(LoadTarget target, McpClient[] sessions, Func<double> cpuSeconds, RuntimeWatch? runtime, TimeSpan limit, CancellationToken cancellationToken)
    {
        var spent = TimeSpan.Zero;
        double? previous = null;
        while (spent < limit && !cancellationToken.IsCancellationRequested)
        {
            var compiledBefore = runtime?.Compiled ?? -1;
            var before = cpuSeconds();
            var (latencies, errors, _, _, elapsed) = await DriveAsync(target, sessions, SettleWindow, cancellationToken);
            spent += elapsed;
            var compiledAfter = runtime?.Compiled ?? -1;
            if (compiledBefore >= 0 && compiledAfter >= 0)
            {
                Console.Error.WriteLine($"  settling: {compiledAfter - compiledBefore} methods compiled in {elapsed.TotalSeconds:F0} s");
                if (compiledAfter - compiledBefore < WarmCompilations)
                {
                    return new Settling(spent, true);
                }

                continue;
            }

            var calls = latencies.Count + errors;
            if (calls == 0)
            {
                continue;
            }

            var perCall = (cpuSeconds() - before) / calls;
            if (previous is { } last && Math.Abs(perCall - last) <= 0.05 * last)
            {
                return new Settling(spent, true);
            }

            previous = perCall;
        }

        return new Settling(spent, limit <= TimeSpan.Zero);
    }

    public static async Task<McpClient> ConnectAsync(LoadTarget target, CancellationToken cancellationToken)
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = target.Endpoint,
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = target.Token is null ? null : new Dictionary<string, string> { ["Authorization"] = "Bearer " + target.Token },
            EnableStandaloneGetStream = false,
        });
        return await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = target.ProtocolVersion }, cancellationToken: cancellationToken);
    }

    /// <remarks>
    /// A call answered with <c>"portcullis/replay": true</c> in its <c>_meta</c> is counted as a replay: the gateway
    /// returned a stored result without calling the upstream, which a write row must never measure.
    /// </remarks>
    private static async Task<(List<double> Latencies, long Errors, long Replays, string? FirstError, TimeSpan Elapsed)> DriveAsync(
        LoadTarget target, McpClient[] sessions, TimeSpan duration, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var deadline = duration;
        long errors = 0;
        long replays = 0;
        string? firstError = null;
        var perClient = await Task.WhenAll(sessions.Select(async session =>
        {
            var latencies = new List<double>(4096);
            while (stopwatch.Elapsed < deadline && !cancellationToken.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    if (target.Tool is null)
                    {
                        await session.ListToolsAsync(new ListToolsRequestParams(), cancellationToken);
                        latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                        continue;
                    }

                    var request = new CallToolRequestParams { Name = target.Tool, Arguments = target.Arguments() };
                    var result = await session.CallToolAsync(request, cancellationToken);
                    if (result.IsError == true)
                    {
                        Interlocked.Increment(ref errors);
                        Interlocked.CompareExchange(ref firstError, Describe(result), null);
                        continue;
                    }

                    if (result.Meta?["portcullis/replay"] is not null)
                    {
                        Interlocked.Increment(ref replays);
                    }

                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Interlocked.Increment(ref errors);
                    Interlocked.CompareExchange(ref firstError, ex.GetType().Name + ": " + ex.Message, null);
                }
            }

            return latencies;
        }));
        var elapsed = stopwatch.Elapsed;
        return ([.. perClient.SelectMany(l => l)], errors, replays, firstError, elapsed);
    }

    private static string Describe(CallToolResult result) =>
        result.StructuredContent is { } structured ? structured.GetRawText() : JsonSerializer.Serialize(result.Content.OfType<TextContentBlock>().Select(t => t.Text));

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
