using System.ComponentModel;
using System.Diagnostics;
using System.IO.Pipes;
using Microsoft.Win32.SafeHandles;

namespace Portcullis.Core.Upstreams.Stdio;

/// <summary>
/// A stdio upstream started as the leader of a process group of its own, in the gateway's session (Linux).
/// </summary>
/// <remarks>
/// A child shares its parent's process group, and a signal sent to the group reaches it too: a terminal's Ctrl+C, a
/// <c>kill -TERM -PGID</c>, a supervisor or <c>timeout</c> that signals the group. The upstreams then stopped at once,
/// while the gateway began its drain, and the calls the drain was to let finish lost their answers (a write became
/// outcome-unknown). In a group of its own the upstream hears only the gateway, which stops it after the drain.
/// <para>
/// A group, not a session: the upstreams used to be started through <c>setsid</c>, and where the kernel's autogroup
/// scheduling is on each session is a scheduling group of its own, weighed as much as the gateway and everything else in
/// its session together; a .NET upstream's idle workers spun there at about twice the CPU a call, and the gateway over
/// stdio did about 8 % fewer calls a second (docs/benchmarks.md). .NET's <see cref="Process"/> cannot set the group
/// between fork and exec, so the process is started with <c>posix_spawn</c> (<see cref="PosixSpawn"/>), every signal
/// at its default and none blocked, as a fresh process has them.
/// </para>
/// <para>
/// Its end is awaited on a thread of its own, which sees it without reaping it and then reaps it under the lock a kill
/// takes: until it is reaped its id is its own, so a kill never reaches a process that was given the id since.
/// </para>
/// </remarks>
internal sealed class GroupLeaderProcess : IUpstreamProcess
{
    private const int InvalidArgument = 22;

    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _reaped;
    private int? _exitCode;

    private GroupLeaderProcess(int id, Stream input, Stream output, Stream error)
    {
        Id = id;
        Input = input;
        Output = output;
        Error = error;
        new Thread(WatchExit, 256 * 1024) { IsBackground = true, Name = "upstream exit" }.Start();
    }

    /// <summary>Whether upstreams start this way on this system.</summary>
    public static bool Supported => PosixSpawn.Available;

    public int Id { get; }

    public Stream Input { get; }

    public Stream Output { get; }

    public Stream Error { get; }

    public bool HasExited => _exited.Task.IsCompleted;

    public int? ExitCode
    {
        get
        {
            lock (_gate)
            {
                return _exitCode;
            }
        }
    }

    /// <summary>Starts <paramref name="launch"/>'s command, resolved as <see cref="Process"/> would resolve it.</summary>
    /// <exception cref="Win32Exception">It could not be started.</exception>
    public static GroupLeaderProcess Start(StdioLaunch launch)
    {
        string[] argv = [UpstreamLaunch.ResolveToStart(launch.Command), .. launch.Arguments];
        string[] environment = [.. launch.Environment.Where(v => v.Value is not null).Select(v => v.Key + "=" + v.Value)];
        if (argv.Concat(environment).Any(value => value.Contains('\0', StringComparison.Ordinal)))
        {
            throw new Win32Exception(InvalidArgument, "an argument or environment value holds a NUL character");
        }

        (int Read, int Write)? input = null, output = null, error = null;
        var started = false;
        try
        {
            input = PosixSpawn.Pipe();
            output = PosixSpawn.Pipe();
            error = PosixSpawn.Pipe();
            var id = Spawn(argv, environment, launch.WorkingDirectory, input.Value, output.Value, error.Value);
            started = true;
            return new GroupLeaderProcess(id, Open(input.Value.Write, PipeDirection.Out), Open(output.Value.Read, PipeDirection.In), Open(error.Value.Read, PipeDirection.In));
        }
        finally
        {
            // The child's ends are its own now (or no one's); the gateway's are closed only when the start failed.
            Close(input?.Read);
            Close(output?.Write);
            Close(error?.Write);
            if (!started)
            {
                Close(input?.Write);
                Close(output?.Read);
                Close(error?.Read);
            }
        }
    }

    public Task WaitForExitAsync(CancellationToken cancellationToken) => _exited.Task.WaitAsync(cancellationToken);

    public void Kill()
    {
        lock (_gate)
        {
            if (!_reaped)
            {
                KillTree();
            }
        }

        PosixSpawn.Signal(-Id, PosixSpawn.SignalKill);
    }

    public void Dispose()
    {
        Input.Dispose();
        Output.Dispose();
        Error.Dispose();
    }

    private void KillTree()
    {
        try
        {
            using var process = Process.GetProcessById(Id);
            process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or Win32Exception or NotSupportedException or AggregateException)
        {
            // Ended meanwhile, or a descendant not ours to signal (AggregateException: one that changed user): its group
            // is killed after.
        }
    }

    private void WatchExit()
    {
        var ended = PosixSpawn.WaitUntilEnded(Id);
        lock (_gate)
        {
            _exitCode = ended ? PosixSpawn.Reap(Id) : null;
            _reaped = true;
        }

        _exited.TrySetResult();
    }

    /// <summary>
    /// <see cref="PosixSpawn.Spawn"/> of <paramref name="argv"/>'s first, resolved, entry, its failure naming the file and the folder as Process's does: the C library says only
    /// why (permission denied, no such file or directory), not of which.
    /// </summary>
    private static int Spawn(string[] argv, string[] environment, string? folder, (int Read, int Write) input, (int Read, int Write) output, (int Read, int Write) error)
    {
        try
        {
            return PosixSpawn.Spawn(argv[0], argv, environment, folder, input.Read, output.Write, error.Write);
        }
        catch (Win32Exception ex)
        {
            throw new Win32Exception(ex.NativeErrorCode, $"'{argv[0]}' could not be run in the folder '{(string.IsNullOrEmpty(folder) ? Directory.GetCurrentDirectory() : folder)}': {ex.Message}");
        }
    }

    private static Stream Open(int descriptor, PipeDirection direction) =>
        new AnonymousPipeClientStream(direction, new SafePipeHandle(descriptor, ownsHandle: true));

    private static void Close(int? descriptor)
    {
        if (descriptor is { } open)
        {
            new SafePipeHandle(open, ownsHandle: true).Dispose();
        }
    }
}
