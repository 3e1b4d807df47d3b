using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Portcullis.Core.Upstreams.Stdio;

/// <summary>
/// Starts a stdio upstream in a session and process group of its own, through <c>setsid</c> where the system has it.
/// </summary>
/// <remarks>
/// A child shares its parent's process group, and a signal sent to the group reaches it too: a terminal's Ctrl+C, a
/// <c>kill -TERM -PGID</c>, a supervisor or <c>timeout</c> that signals the group. The upstreams then stopped at once,
/// while the gateway began its drain, and the calls the drain was to let finish lost their answers (a write became
/// outcome-unknown). In a session of its own the upstream hears only the gateway, which stops it after the drain.
/// <c>setsid</c> replaces itself with the upstream (it forks only when already a group leader, which a child just
/// started is not), so the process, its id and its exit code are the upstream's. The command is resolved here, as
/// Process.Start would resolve it, since <c>setsid</c> would search the child's PATH from its working folder.
/// </remarks>
internal static partial class OwnSession
{
    private const int SignalKill = 9;

    private static readonly string? Setsid = OperatingSystem.IsWindows() ? null : new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

    /// <summary>Whether upstreams start in a session of their own on this system.</summary>
    public static bool Available => Setsid is not null;

    /// <summary>How to start <paramref name="command"/> with <paramref name="arguments"/>: in its own session when possible.</summary>
    public static ProcessStartInfo StartInfo(string command, IEnumerable<string> arguments)
    {
        var resolved = Setsid is null ? null : UpstreamLaunch.Resolve(command);
        var start = new ProcessStartInfo(resolved is null ? command : Setsid!);
        if (resolved is not null)
        {
            start.ArgumentList.Add("--");
            start.ArgumentList.Add(resolved);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    /// <summary>Whether <paramref name="start"/> starts its command in a session, and so a process group, of its own.</summary>
    public static bool Leads(ProcessStartInfo start) => Setsid is not null && string.Equals(start.FileName, Setsid, StringComparison.Ordinal);

    /// <summary>
    /// Kills every process left in the group <paramref name="leader"/> led. Its descendants stay in that group after
    /// they are re-parented (the upstream exited before them), where a walk of the process tree no longer finds them.
    /// While any of them lives the kernel gives the group's id to no other process; an empty group is answered "no such
    /// process". Only once the group is empty could its id name another group, and Linux hands an id out again only
    /// after all the others (up to <c>pid_max</c>, 4 million on 64-bit systems): the kill follows the upstream's exit by
    /// moments (its session is disposed as soon as the exit is seen), far sooner than that.
    /// </summary>
    public static void KillGroup(int leader)
    {
        if (leader > 1)
        {
            _ = Kill(-leader, SignalKill);
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
