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
}
