namespace Portcullis.Core.Upstreams.Stdio;

/// <summary>Starts a stdio upstream's process: as the leader of a process group of its own where the system allows.</summary>
/// <remarks>
/// Process 1 (a container without an init, as in most Kubernetes pods) adopts every orphan: what an upstream started and
/// left behind is re-parented to the gateway, and is the gateway's to reap once the upstream's group is killed. The .NET
/// runtime reaps there every child that ends, whoever started it, but only once it watches for children (once
/// <see cref="System.Diagnostics.Process"/> has started one, or the console is set up): with <see cref="GroupLeaderProcess"/>
/// alone the orphans stayed zombies for as long as the gateway ran, and once the runtime reaps, it takes an upstream's
/// exit code from under the thread that waits for it. There the upstream is started through Process, whose children's
/// exit codes the runtime keeps, by <c>setsid</c> (a session of its own: in a container's cgroup it is no scheduling
/// group of its own).
/// </remarks>
internal static class UpstreamProcesses
{
    /// <summary>Starts <paramref name="launch"/>'s command.</summary>
    /// <exception cref="IOException">It could not be started.</exception>
    public static IUpstreamProcess Start(StdioLaunch launch)
    {
        try
        {
            return Environment.ProcessId == 1 ? StartAsProcess1(launch)
                : GroupLeaderProcess.Supported ? GroupLeaderProcess.Start(launch)
                : RuntimeProcess.Start(launch);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new IOException("the upstream process could not be started: " + ex.Message, ex);
        }
    }

    private static IUpstreamProcess StartAsProcess1(StdioLaunch launch) =>
        RuntimeProcess.CanStartInOwnSession ? RuntimeProcess.StartInOwnSession(launch) : RuntimeProcess.Start(launch);
}
