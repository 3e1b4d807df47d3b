using System.Globalization;
using Portcullis.LoadTest;

// portcullis-load [--clients 32] [--seconds 10] [--warmup 15] [--settle 60] [--passes 2] [--memory-clients 1000] [--out FILE] [--skip-per-request-peer] [--stores-only]
//                 [--target URL [--list | --write] [--token T] [--protocol VERSION] [--pid PID (CPU per call of that process)]]
//                 [--prefill-keys N --into FILE]
// Runs every row of the comparison on this machine in one go and prints the table (and writes it to FILE).
var clients = Int(args, "--clients", 32);
var seconds = Int(args, "--seconds", 10);
var warmup = Int(args, "--warmup", 15);
// After the warm-up, up to this many seconds more until the process under test is warm (see LoadRunner.RunAsync).
var settle = TimeSpan.FromSeconds(Int(args, "--settle", 60));
var memoryClients = Int(args, "--memory-clients", 1000);
// Rows compared with each other are measured this many times, in order and in reverse order by turns.
var passes = Math.Max(1, Int(args, "--passes", 2));
var output = Value(args, "--out");
var withPerRequestPeer = !args.Contains("--skip-per-request-peer");

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

// --prefill-keys N --into FILE: the idempotency store of row (d), N completed keys of the dev caller for `record`.
if (Value(args, "--prefill-keys") is { } keys && Value(args, "--into") is { } into)
{
    Compare.PrefillKeysInto(into, int.Parse(keys, NumberStyles.None, CultureInfo.InvariantCulture));
    return 0;
}

// --target URL: drive one endpoint only (for profiling a row): echo, tools/list with --list, or with --write
// the (d) rows' write (`record` with a unique idempotency key per call).
if (Value(args, "--target") is { } url)
{
    var write = args.Contains("--write");
    var target = new LoadTarget(url, new Uri(url), args.Contains("--list") ? null : write ? "record" : "echo",
        write ? LoadTarget.UniqueWriteArguments(Guid.NewGuid().ToString("N")[..8]) : LoadTarget.EchoArguments, Value(args, "--token"), Value(args, "--protocol"));
    int? pid = int.TryParse(Value(args, "--pid"), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
    var single = await LoadRunner.RunAsync(target, clients, TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(warmup), cancel.Token, pid, settle);
    Console.WriteLine($"{single.Throughput:F0} calls/s, p50 {single.P50Ms:F2} ms, p90 {single.P90Ms:F2} ms, p99 {single.P99Ms:F2} ms, CPU {single.CpuMsPerCall:F3} ms/call, alloc {single.KibPerCall:F1} KiB/call, machine {single.MachineBusyCores:F2} cores busy, settle: {single.Settled}, replays {single.Replays}, errors {single.Errors} {single.FirstError}");
    return 0;
}

var table = await new Compare(clients, TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(warmup), settle, memoryClients, withPerRequestPeer, passes, args.Contains("--stores-only")).RunAsync(cancel.Token);
Console.WriteLine(table);
if (output is not null)
{
    await File.WriteAllTextAsync(output, table);
}

return 0;

static string? Value(string[] args, string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

static int Int(string[] args, string name, int fallback) =>
    int.TryParse(Value(args, name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : fallback;
