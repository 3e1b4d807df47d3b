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
        Assert.Equal(leader, ProcessGroups.GroupOf(leader));
        using var kill = Process.Start("kill", ["-" + signal, "--", "-" + leader.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync().WaitAsync(Timeouts.Exit);
        Assert.Equal(0, kill.ExitCode);
    }
}
