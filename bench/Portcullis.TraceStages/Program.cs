using System.Globalization;
using Microsoft.Diagnostics.Tracing.Etlx;
using Portcullis.TraceStages;

// portcullis-trace-stages TRACE.nettrace PID [--stages FILE] [--top N] [--callers TEXT] [--callees TEXT]
// Reads a CPU-sampling trace of `dotnet-trace collect-linux --profile cpu-sampling` and says where one process's CPU
// went, per gateway stage (stages.txt), plus the methods that own the most samples. With --callers, also the call
// chains above the frames that contain TEXT; with --callees, the leaf frames of the samples beneath such a frame.
if (args.Length < 2 || !int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
{
    Console.Error.WriteLine("usage: Portcullis.TraceStages TRACE.nettrace PID [--stages FILE] [--top N] [--callers TEXT] [--callees TEXT]");
    return 2;
}

var stages = Stage.Read(Option("--stages") ?? Path.Combine(AppContext.BaseDirectory, "stages.txt"));
var top = int.TryParse(Option("--top"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 25;
var callersOf = Option("--callers");
var calleesOf = Option("--callees");

var etlx = TraceLog.CreateFromEventPipeDataFile(args[0], null, new TraceLogOptions { ContinueOnError = true });
using var log = new TraceLog(etlx);
long total = 0;
var perStage = new long[stages.Count + 1];
var owners = new Dictionary<string, long>(StringComparer.Ordinal);
var callers = new Dictionary<string, long>(StringComparer.Ordinal);
var callees = new Dictionary<string, long>(StringComparer.Ordinal);
foreach (var sample in log.Events)
{
    if (sample.ProcessID != pid || !sample.EventName.Contains("cpu", StringComparison.OrdinalIgnoreCase) || sample.CallStack() is not { } stack)
    {
        continue;
    }

    total++;
    var frames = new List<string>(); // leaf first
    for (var frame = stack; frame is not null; frame = frame.Caller)
    {
        var method = frame.CodeAddress.FullMethodName;
        frames.Add(string.IsNullOrEmpty(method) ? frame.CodeAddress.ModuleName + "!?" : method);
    }

    perStage[StageOf(frames)]++;
    var owner = frames.FirstOrDefault(f => f.Contains("Portcullis", StringComparison.Ordinal)) ?? "(no gateway frame)";
    owners[owner] = owners.GetValueOrDefault(owner) + 1;
    if (callersOf is not null && frames.FindIndex(f => f.Contains(callersOf, StringComparison.Ordinal)) is var at and >= 0)
    {
        var chain = string.Join("  <-  ", frames.Skip(at + 1).Take(6).Select(Short));
        callers[chain] = callers.GetValueOrDefault(chain) + 1;
    }

    if (calleesOf is not null && frames.FindIndex(f => f.Contains(calleesOf, StringComparison.Ordinal)) is var under and >= 0)
    {
        // The leaf, and the first managed frame above it when the leaf is native: "libc!? in SqliteCommand::...".
        var managed = frames.Take(under + 1).FirstOrDefault(f => !f.EndsWith("!?", StringComparison.Ordinal) && !f.Contains(".so!", StringComparison.Ordinal));
        var leaf = managed is null || managed == frames[0] ? Short(frames[0]) : $"{Short(frames[0])}  in  {Short(managed)}";
        callees[leaf] = callees.GetValueOrDefault(leaf) + 1;
    }
}

Console.WriteLine($"{total} CPU samples in process {pid}");
Console.WriteLine();
Console.WriteLine("| stage | % of samples |");
Console.WriteLine("|---|---:|");
foreach (var (stage, i) in stages.Select((s, i) => (s, i)).OrderByDescending(x => perStage[x.i]))
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {stage.Name} | {Percent(perStage[i])} |"));
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| (none of these) | {Percent(perStage[^1])} |"));
Print("The gateway's own methods, by the samples they are the innermost gateway frame of:", owners);
if (callersOf is not null)
{
    Print($"Callers of the frames that contain '{callersOf}':", callers);
}

if (calleesOf is not null)
{
    Print($"Where the samples beneath the frames that contain '{calleesOf}' ended:", callees);
}

return 0;

int StageOf(List<string> frames)
{
    var fallback = -1;
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
                return i;
            }

            fallback = fallback < 0 ? i : fallback;
        }
    }

    return fallback < 0 ? stages.Count : fallback;
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
