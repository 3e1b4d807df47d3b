using System.ComponentModel;
using System.Diagnostics;

namespace Portcullis.Core.Upstreams.Stdio;

/// <summary>
/// A stdio upstream started through <see cref="Process"/>, in the gateway's own process group: where
/// <see cref="GroupLeaderProcess"/> is not supported (other systems, or a C library without <c>posix_spawn</c>'s folder
/// change). A signal to the gateway's group reaches it too (operations, Shutdown).
/// </summary>
internal sealed class SharedGroupProcess : IUpstreamProcess
{
    private readonly Process _process;

    private SharedGroupProcess(Process process)
    {
        _process = process;
        Id = process.Id;
    }

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

    /// <summary>Starts <paramref name="launch"/>'s command.</summary>
    /// <exception cref="Win32Exception">It could not be started.</exception>
    public static SharedGroupProcess Start(StdioLaunch launch)
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
            return process.Start() ? new SharedGroupProcess(process) : throw new Win32Exception("the upstream process did not start");
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
