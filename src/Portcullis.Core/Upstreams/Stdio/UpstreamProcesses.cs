namespace Portcullis.Core.Upstreams.Stdio;

/// <summary>Starts a stdio upstream's process: as the leader of a process group of its own where the system allows.</summary>
internal static class UpstreamProcesses
{
    /// <summary>Starts <paramref name="launch"/>'s command.</summary>
    /// <exception cref="IOException">It could not be started.</exception>
    public static IUpstreamProcess Start(StdioLaunch launch)
    {
        try
        {
            return GroupLeaderProcess.Supported
                ? GroupLeaderProcess.Start(launch)
                : SharedGroupProcess.Start(launch);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new IOException("the upstream process could not be started: " + ex.Message, ex);
        }
    }
}
