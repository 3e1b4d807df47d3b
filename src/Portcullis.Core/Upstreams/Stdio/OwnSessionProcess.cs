using System.ComponentModel;
using System.Diagnostics;

namespace Portcullis.Core.Upstreams.Stdio;

/// <summary>
/// A stdio upstream started through <see cref="Process"/> by <c>setsid</c>, so it leads a session and process group of
/// its own: where the gateway is process 1 (<see cref="UpstreamProcesses"/>).
/// </summary>
/// <remarks>
/// <c>setsid</c> replaces itself with the upstream (it forks only when already a group leader, which a child just
/// started is not), so the process, its id and its exit code are the upstream's. The command is resolved here, as
/// Process.Start would resolve it, since <c>setsid</c> would search the child's PATH from its working folder.
/// </remarks>
internal sealed class OwnSessionProcess : IUpstreamProcess
{
    private const int NoSuchFile = 2;

    private static readonly string? Setsid = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

    private readonly SharedGroupProcess _process;

    private OwnSessionProcess(SharedGroupProcess process) => _process = process;

    /// <summary>Whether this system has <c>setsid</c>.</summary>
    public static bool Available => Setsid is not null;

    public int Id => _process.Id;

    public Stream Input => _process.Input;

    public Stream Output => _process.Output;

    public Stream Error => _process.Error;

    public bool HasExited => _process.HasExited;

    public int? ExitCode => _process.ExitCode;

    /// <summary>Starts <paramref name="launch"/>'s command through <c>setsid</c>.</summary>
    /// <exception cref="Win32Exception">It could not be started.</exception>
    public static OwnSessionProcess Start(StdioLaunch launch)
    {
        var path = UpstreamLaunch.Resolve(launch.Command)
            ?? throw new Win32Exception(NoSuchFile, $"no program '{launch.Command}' was found (a full path, beside the gateway, in its working folder or on its PATH)");
        return new(SharedGroupProcess.Start(launch with { Command = Setsid!, Arguments = ["--", path, .. launch.Arguments] }));
    }

    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>Its tree while it lives, then its group, which holds those whose parent had exited.</summary>
    public void Kill()
    {
        _process.Kill();
        PosixSpawn.Signal(-Id, PosixSpawn.SignalKill);
    }

    public void Dispose() => _process.Dispose();
}
