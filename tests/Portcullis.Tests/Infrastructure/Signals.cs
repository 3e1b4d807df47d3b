using System.Diagnostics;
using System.Globalization;

namespace Portcullis.Tests.Infrastructure;

/// <summary>Sends a POSIX signal to a process (STOP and CONT freeze and wake it, as a paused VM would).</summary>
internal static class Signals
{
    public static async Task SendAsync(string signal, int pid)
    {
        using var kill = Process.Start("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync().WaitAsync(Timeouts.Exit);
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>
    /// Sends <paramref name="signal"/> to every process of the group that <paramref name="leader"/> leads, as a terminal's
    /// Ctrl+C or <c>kill -TERM -PGID</c> does; refuses a process that leads no group, whose group may be the test's own.
    /// </summary>
    public static async Task SendToGroupAsync(string signal, int leader)
    {
        // /proc/PID/stat: "pid (comm) state ppid pgrp …"; comm may hold spaces and parentheses, so read after the last ')'.
        var stat = await File.ReadAllTextAsync($"/proc/{leader}/stat").WaitAsync(Timeouts.Exit);
        var group = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[2], CultureInfo.InvariantCulture);
        Assert.Equal(leader, group);
        using var kill = Process.Start("kill", ["-" + signal, "--", "-" + leader.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync().WaitAsync(Timeouts.Exit);
        Assert.Equal(0, kill.ExitCode);
    }
}
