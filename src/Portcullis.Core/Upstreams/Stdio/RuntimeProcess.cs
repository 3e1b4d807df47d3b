using System.ComponentModel;
using System.Diagnostics;

namespace Portcullis.Core.Upstreams.Stdio;

/// <summary>
/// A stdio upstream started through .NET's <see cref="Process"/> (<see cref="UpstreamProcesses"/> chooses): in the
/// gateway's own process group where <see cref="GroupLeaderProcess"/> is not supported (other systems, or a C library
/// without <c>posix_spawn</c>'s folder change), so a signal to the gateway's group reaches it too (operations,
/// Shutdown); or, where the gateway is process 1, by <c>setsid</c>, leading a session and process group of its own.
/// </summary>
/// <remarks>
/// <c>setsid</c> replaces itself with the upstream (it forks only when already a group leader, which a child just
/// started is not), so the process, its id and its exit code are the upstream's. The command is resolved before, as
/// Process.Start would resolve it, since <c>setsid</c> would search the child's PATH from its working folder.
/// </remarks>
internal sealed class RuntimeProcess : IUpstreamProcess
{
    private static readonly string? Setsid = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

    private readonly Process _process;
    private readonly bool _leadsGroup;

    private RuntimeProcess(Process process, bool leadsGroup)
    {
        _process = process;
        _leadsGroup = leadsGroup;
        Id = process.Id;
    }

    /// <summary>Whether this system has <c>setsid</c>, for <see cref="StartInOwnSession"/>.</summary>
    public static bool CanStartInOwnSession => Setsid is not null;

    public int Id { get; }

    public Stream Input => _process.StandardInput.BaseStream;

    public Stream Output => _process.StandardOutput.BaseStream;

    public Stream Error => _process.StandardError.BaseStream;

    public bool HasExited
    {
        get
        {
            try
            {
                return _process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }
    }

    public int? ExitCode
    {
        get
        {
            try
            {
                return _process.HasExited ? _process.ExitCode : null;
            }
            catch (InvalidOperationException)
            {
                return null;
            }
        }
    }

    /// <summary>Starts <paramref name="launch"/>'s command in the gateway's process group.</summary>
    /// <exception cref="Win32Exception">It could not be started.</exception>
    public static RuntimeProcess Start(StdioLaunch launch) => Start(launch, leadsGroup: false);

    /// <summary>Starts <paramref name="launch"/>'s command through <c>setsid</c>, in a session of its own.</summary>
    /// <exception cref="Win32Exception">It could not be started.</exception>
    public static RuntimeProcess StartInOwnSession(StdioLaunch launch) =>
        Start(launch with { Command = Setsid!, Arguments = ["--", UpstreamLaunch.ResolveToStart(launch.Command), .. launch.Arguments] }, leadsGroup: true);

    private static RuntimeProcess Start(StdioLaunch launch, bool leadsGroup)
    {
        var start = new ProcessStartInfo(launch.Command, launch.Arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
            WorkingDirectory = launch.WorkingDirectory ?? "",
        };
        start.Environment.Clear();
        foreach (var (name, value) in launch.Environment)
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start };
        try
        {
            return process.Start() ? new RuntimeProcess(process, leadsGroup) : throw new Win32Exception("the upstream process did not start");
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    public async Task WaitForExitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // No process is associated any more: it has ended.
        }
    }

    /// <summary>Its tree while it lives; then, leading a group, the group, which holds those whose parent had exited.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception or NotSupportedException or AggregateException)
        {
            // Exited meanwhile, or not ours to kill any more (AggregateException: a descendant that changed user).
        }

        if (_leadsGroup)
        {
            PosixSpawn.Signal(-Id, PosixSpawn.SignalKill);
        }
    }

    public void Dispose()
    {
        Close(_process.StandardInput);
        Close(_process.StandardOutput);
        Close(_process.StandardError);
        _process.Dispose();
    }

    private static void Close(IDisposable stream)
    {
        try
        {
            stream.Dispose();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
        }
    }
}
