using System.Collections.Concurrent;
using System.Diagnostics;

namespace Portcullis.Testing.Servers;

/// <summary>Kills every server still running when the test process exits, so none outlives the run.</summary>
internal static class Reaper
{
    private static readonly ConcurrentDictionary<int, Process> Running = new();

    static Reaper() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        foreach (var process in Running.Values)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
            catch (InvalidOperationException)
            {
            }
        }
    };

    public static void Track(Process process)
    {
        Running[process.Id] = process;
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => Running.TryRemove(process.Id, out _);
    }
}
