using System.Globalization;
using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;
using Portcullis.TraceStages;

// portcullis-trace-stages TRACE.nettrace PID [--stages FILE] [--top N] [--callers TEXT] [--callees TEXT] [--claims STAGE] [--allocations]
// Reads a CPU-sampling trace of `dotnet-trace collect-linux --profile cpu-sampling` and says where one process's CPU
// went, per gateway stage (stages.txt), plus the methods that own the most samples. With --callers, also the call
// chains above the frames that contain TEXT; with --callees, the leaf frames of the samples beneath such a frame; with
// --claims, the frames that put samples in the stage whose name starts with STAGE (what the stage's share is made of).
// With --allocations it reads a `dotnet-trace collect --profile gc-verbose` trace instead: every table is then in bytes
// allocated (the runtime's allocation ticks, one about every 100 KB, each weighed by its amount), plus the types.
if (args.Length < 2 || !int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
{
    Console.Error.WriteLine("usage: Portcullis.TraceStages TRACE.nettrace PID [--stages FILE] [--top N] [--callers TEXT] [--callees TEXT] [--claims STAGE] [--allocations]");
    return 2;
}

var stages = Stage.Read(Option("--stages") ?? Path.Combine(AppContext.BaseDirectory, "stages.txt"));
var top = int.TryParse(Option("--top"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 25;
var callersOf = Option("--callers");
var calleesOf = Option("--callees");
var claimsOf = Option("--claims");
var allocations = args.Contains("--allocations");

var etlx = TraceLog.CreateFromEventPipeDataFile(args[0], null, new TraceLogOptions { ContinueOnError = true });
using var log = new TraceLog(etlx);
long total = 0;
var perStage = new long[stages.Count + 1];
var owners = new Dictionary<string, long>(StringComparer.Ordinal);
var callers = new Dictionary<string, long>(StringComparer.Ordinal);
var callees = new Dictionary<string, long>(StringComparer.Ordinal);
var claims = new Dictionary<string, long>(StringComparer.Ordinal);
var types = new Dictionary<string, long>(StringComparer.Ordinal);
foreach (var sample in log.Events)
{
    // Only the events counted get their stack resolved: a trace holds many more events than samples.
    var tick = sample as GCAllocationTickTraceData;
    if (sample.ProcessID != pid
        || (allocations ? tick is null : !sample.EventName.Contains("cpu", StringComparison.OrdinalIgnoreCase))
        || sample.CallStack() is not { } stack)
    {
        continue;
    }

    var weight = tick?.AllocationAmount64 ?? 1;
    if (tick is not null)
    {
        types[tick.TypeName] = types.GetValueOrDefault(tick.TypeName) + weight;
    }

    total += weight;
    var frames = new List<string>(); // leaf first
    for (var frame = stack; frame is not null; frame = frame.Caller)
    {
        // Without its parameter list: a stage matches a method by its name, not by the types it takes (an SDK method
        // that takes an ILoggerFactory is no logging).
        var method = frame.CodeAddress.FullMethodName;
        var parameters = method.IndexOf('(', StringComparison.Ordinal);
        frames.Add(string.IsNullOrEmpty(method) ? frame.CodeAddress.ModuleName + "!?" : parameters > 0 ? method[..parameters] : method);
    }

    var (stageIndex, claimedBy) = StageOf(frames);
    perStage[stageIndex] += weight;
    if (claimsOf is not null && stageIndex < stages.Count && stages[stageIndex].Name.StartsWith(claimsOf, StringComparison.Ordinal))
    {
        claims[claimedBy!] = claims.GetValueOrDefault(claimedBy!) + weight;
    }

    var owner = frames.FirstOrDefault(f => f.Contains("Portcullis", StringComparison.Ordinal)) ?? "(no gateway frame)";
    owners[owner] = owners.GetValueOrDefault(owner) + weight;
    if (callersOf is not null && frames.FindIndex(f => f.Contains(callersOf, StringComparison.Ordinal)) is var at and >= 0)
    {
        var chain = string.Join("  <-  ", frames.Skip(at + 1).Take(6).Select(Short));
        callers[chain] = callers.GetValueOrDefault(chain) + weight;
    }

    if (calleesOf is not null && frames.FindIndex(f => f.Contains(calleesOf, StringComparison.Ordinal)) is var under and >= 0)
    {
        // The leaf, and the first managed frame above it when the leaf is native: "libc!? in SqliteCommand::...".
        var managed = frames.Take(under + 1).FirstOrDefault(f => !f.EndsWith("!?", StringComparison.Ordinal) && !f.Contains(".so!", StringComparison.Ordinal));
        var leaf = managed is null || managed == frames[0] ? Short(frames[0]) : $"{Short(frames[0])}  in  {Short(managed)}";
        callees[leaf] = callees.GetValueOrDefault(leaf) + weight;
    }
}

Console.WriteLine(allocations ? $"{total} bytes in the allocation ticks of process {pid}" : $"{total} CPU samples in process {pid}");
Console.WriteLine();
Console.WriteLine(allocations ? "| stage | % of bytes |" : "| stage | % of samples |");
Console.WriteLine("|---|---:|");
foreach (var (stage, i) in stages.Select((s, i) => (s, i)).OrderByDescending(x => perStage[x.i]))
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {stage.Name} | {Percent(perStage[i])} |"));
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| (none of these) | {Percent(perStage[^1])} |"));
Print("The gateway's own methods, by the samples they are the innermost gateway frame of:", owners);
if (allocations)
{
    Print("The types allocated:", types);
}

if (callersOf is not null)
{
    Print($"Callers of the frames that contain '{callersOf}':", callers);
}

if (calleesOf is not null)
{
    Print($"Where the samples beneath the frames that contain '{calleesOf}' ended:", callees);
}

if (claimsOf is not null)
{
    Print($"The frames that put samples in the stage '{claimsOf}':", claims);
}

return 0;

// The stage of a sample, and the frame that put it there.
(int Stage, string? Frame) StageOf(List<string> frames)
{
    (int Stage, string? Frame) fallback = (-1, null);
    foreach (var frame in frames)
    {
        for (var i = 0; i < stages.Count; i++)
        {
            if (!stages[i].Matches(frame))
            {
                continue;
            }

            if (!stages[i].Fallback)
            {
                return (i, frame);
            }

            fallback = fallback.Stage < 0 ? (i, frame) : fallback;
        }
    }

    return fallback.Stage < 0 ? (stages.Count, null) : fallback;
}

void Print(string title, Dictionary<string, long> counts)
{
    Console.WriteLine();
    Console.WriteLine(title);
    foreach (var (name, count) in counts.OrderByDescending(c => c.Value).Take(top))
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Percent(count),6}  {Short(name)}"));
    }
}

string Percent(long count) => total == 0 ? "0.0" : (100.0 * count / total).ToString("F1", CultureInfo.InvariantCulture);

string? Option(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

static string Short(string frame)
{
    var start = frame.IndexOf("] ", StringComparison.Ordinal);
    var text = start >= 0 ? frame[(start + 2)..] : frame;
    var parameters = text.IndexOf('(', StringComparison.Ordinal);
    text = parameters > 0 ? text[..parameters] : text;
    return text.Length > 140 ? text[..140] : text;
}
