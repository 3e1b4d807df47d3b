using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Portcullis.Core.Upstreams.Stdio;

/// <summary>
/// The C library's <c>posix_spawn</c>, <c>waitid</c> and <c>kill</c> as <see cref="GroupLeaderProcess"/> uses them: a
/// process started as the leader of a new process group, with every signal at its default and none blocked (as a shell
/// or Node starts one; .NET's own Process leaves SIGPIPE ignored, as its runtime has it), its
/// standard streams on the given descriptors, in the given folder.
/// </summary>
/// <remarks>
/// The attribute and file-action objects are opaque to the caller and differ in size between C libraries (336 and 80
/// bytes in glibc on 64-bit systems): each is given a zeroed buffer larger than any of them. The flag values are
/// Linux's, the same in glibc and musl.
/// </remarks>
internal static partial class PosixSpawn
{
    public const int SignalKill = 9;

    private const string Libc = "libc";
    private const int OpaqueBytes = 1024;
    private const short SetProcessGroup = 0x02;
    private const short SetSignalDefaults = 0x04;
    private const short SetSignalMask = 0x08;
    private const int CloseOnExec = 0x80000;
    private const int IdIsProcess = 1;
    private const int Exited = 4;
    private const int NoWait = 0x01000000;
    private const int Interrupted = 4;

    /// <summary>
    /// Whether this system can start a process this way: Linux, with a C library that can change the folder between
    /// fork and exec (glibc 2.29 and later, musl 1.1.24 and later).
    /// </summary>
    public static bool Available { get; } = OperatingSystem.IsLinux()
        && NativeLibrary.TryLoad(Libc, typeof(PosixSpawn).Assembly, null, out var libc)
        && NativeLibrary.TryGetExport(libc, "posix_spawn_file_actions_addchdir_np", out _);

    /// <summary>A pipe whose two ends are closed on exec; the child's end is made its standard stream by the spawn.</summary>
    public static (int Read, int Write) Pipe()
    {
        Span<int> ends = stackalloc int[2];
        if (Pipe2(ref MemoryMarshal.GetReference(ends), CloseOnExec) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError());
        }

        return (ends[0], ends[1]);
    }

    /// <summary>Starts <paramref name="path"/> as the leader of a new process group; its id.</summary>
    /// <exception cref="Win32Exception">It could not be started (the error number says why).</exception>
    public static unsafe int Spawn(string path, IReadOnlyList<string> argv, IReadOnlyList<string> environment, string? workingDirectory, int input, int output, int error)
    {
        var attributes = NativeMemory.AllocZeroed(OpaqueBytes);
        var actions = NativeMemory.AllocZeroed(OpaqueBytes);
        // Every signal, by its bits: sigfillset leaves out the two the C library keeps for itself (32 and 33 in glibc),
        // which its posix_spawn then leaves ignored.
        var allSignals = NativeMemory.Alloc(OpaqueBytes);
        NativeMemory.Fill(allSignals, OpaqueBytes, 0xff);
        var noSignals = NativeMemory.AllocZeroed(OpaqueBytes);
        var arguments = NullTerminated(argv);
        var variables = NullTerminated(environment);
        try
        {
            Check(posix_spawnattr_init(attributes));
            Check(posix_spawn_file_actions_init(actions));
            try
            {
                Check(posix_spawnattr_setflags(attributes, SetProcessGroup | SetSignalDefaults | SetSignalMask));
                Check(posix_spawnattr_setpgroup(attributes, 0));
                _ = sigemptyset(noSignals);
                Check(posix_spawnattr_setsigdefault(attributes, allSignals));
                Check(posix_spawnattr_setsigmask(attributes, noSignals));
                Check(posix_spawn_file_actions_adddup2(actions, input, 0));
                Check(posix_spawn_file_actions_adddup2(actions, output, 1));
                Check(posix_spawn_file_actions_adddup2(actions, error, 2));
                if (!string.IsNullOrEmpty(workingDirectory))
                {
                    Check(posix_spawn_file_actions_addchdir_np(actions, workingDirectory));
                }

                Check(posix_spawn(out var pid, path, actions, attributes, arguments, variables));
                return pid;
            }
            finally
            {
                _ = posix_spawn_file_actions_destroy(actions);
                _ = posix_spawnattr_destroy(attributes);
            }
        }
        finally
        {
            Free(arguments);
            Free(variables);
            NativeMemory.Free(attributes);
            NativeMemory.Free(actions);
            NativeMemory.Free(allSignals);
            NativeMemory.Free(noSignals);
        }
    }

    /// <summary>
    /// Blocks until <paramref name="pid"/> has ended, leaving it to be reaped (its id stays its own until then); false
    /// when it is no child of this process any more (something else reaped it).
    /// </summary>
    public static unsafe bool WaitUntilEnded(int pid)
    {
        // siginfo_t is 128 bytes on Linux.
        var info = stackalloc byte[128];
        while (waitid(IdIsProcess, pid, info, Exited | NoWait) != 0)
        {
            if (Marshal.GetLastPInvokeError() != Interrupted)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Reaps <paramref name="pid"/>, which has ended: its exit code, 128 plus the signal's number when a signal ended it.</summary>
    public static int? Reap(int pid)
    {
        int result;
        int status;
        do
        {
            result = waitpid(pid, out status, 0);
        }
        while (result < 0 && Marshal.GetLastPInvokeError() == Interrupted);

        if (result != pid)
        {
            return null;
        }

        var signal = status & 0x7f;
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal;
    }

    /// <summary>Sends <paramref name="signal"/> to a process, or to a process group given as a negative id.</summary>
    public static void Signal(int pid, int signal) => _ = kill(pid, signal);

    private static void Check(int result)
    {
        if (result != 0)
        {
            throw new Win32Exception(result);
        }
    }

    private static unsafe byte** NullTerminated(IReadOnlyList<string> values)
    {
        var array = (byte**)NativeMemory.AllocZeroed((nuint)(values.Count + 1), (nuint)sizeof(byte*));
        for (var i = 0; i < values.Count; i++)
        {
            array[i] = (byte*)Marshal.StringToCoTaskMemUTF8(values[i]);
        }

        return array;
    }

    private static unsafe void Free(byte** array)
    {
        for (var entry = array; *entry is not null; entry++)
        {
            Marshal.FreeCoTaskMem((IntPtr)(*entry));
        }

        NativeMemory.Free(array);
    }

    [LibraryImport(Libc, EntryPoint = "pipe2", SetLastError = true)]
    private static partial int Pipe2(ref int ends, int flags);

    [LibraryImport(Libc)]
    private static unsafe partial int posix_spawnattr_init(void* attributes);

    [LibraryImport(Libc)]
    private static unsafe partial int posix_spawnattr_destroy(void* attributes);

    [LibraryImport(Libc)]
    private static unsafe partial int posix_spawnattr_setflags(void* attributes, short flags);

    [LibraryImport(Libc)]
    private static unsafe partial int posix_spawnattr_setpgroup(void* attributes, int group);

    [LibraryImport(Libc)]
    private static unsafe partial int posix_spawnattr_setsigdefault(void* attributes, void* signals);

    [LibraryImport(Libc)]
    private static unsafe partial int posix_spawnattr_setsigmask(void* attributes, void* signals);

    [LibraryImport(Libc)]
    private static unsafe partial int sigemptyset(void* signals);

    [LibraryImport(Libc)]
    private static unsafe partial int posix_spawn_file_actions_init(void* actions);

    [LibraryImport(Libc)]
    private static unsafe partial int posix_spawn_file_actions_destroy(void* actions);

    [LibraryImport(Libc)]
    private static unsafe partial int posix_spawn_file_actions_adddup2(void* actions, int descriptor, int target);

    [LibraryImport(Libc, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int posix_spawn_file_actions_addchdir_np(void* actions, string path);

    [LibraryImport(Libc, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int posix_spawn(out int pid, string path, void* actions, void* attributes, byte** argv, byte** environment);

    [LibraryImport(Libc, SetLastError = true)]
    private static unsafe partial int waitid(int idType, int id, void* info, int options);

    [LibraryImport(Libc, SetLastError = true)]
    private static partial int waitpid(int pid, out int status, int options);

    [LibraryImport(Libc, SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
