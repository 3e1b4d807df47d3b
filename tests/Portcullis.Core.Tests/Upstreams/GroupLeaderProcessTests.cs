using System.Globalization;
using System.Text;
using Portcullis.Core.Upstreams.Stdio;

namespace Portcullis.Core.Tests.Upstreams;

/// <summary>
/// How a stdio upstream's process is started on Linux: the leader of a process group of its own in the gateway's session,
/// as a fresh process (every signal at its default, none blocked, only the environment given), its exit code seen.
/// </summary>
public sealed class GroupLeaderProcessTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public void Supported_OnThisLinux()
    {
        Assert.True(GroupLeaderProcess.Supported, "posix_spawn with a folder change is not found in this C library");
    }

    /// <summary>
    /// A group of its own, so a signal to the gateway's group does not reach it; the gateway's session, so it is not a
    /// scheduling group of its own where autogroup scheduling is on (with <c>setsid</c> it was).
    /// </summary>
    [Fact]
    public async Task Start_LeadsAGroupOfItsOwn_InTheGatewaysSession()
    {
        using var process = GroupLeaderProcess.Start(UpstreamProcessProbe.Launch("sleep", ["30"]));
        var (group, session) = UpstreamProcessProbe.GroupAndSession(process.Id);
        var (ownGroup, ownSession) = UpstreamProcessProbe.GroupAndSession(Environment.ProcessId);

        process.Kill();
        await process.WaitForExitAsync(CancellationToken.None).WaitAsync(Wait);

        Assert.Equal(process.Id, group);
        Assert.NotEqual(ownGroup, group);
        Assert.Equal(ownSession, session);
        Assert.Equal(128 + 9, process.ExitCode);
    }

    /// <summary>
    /// The .NET runtime ignores SIGPIPE; a process it starts would inherit that through exec. The upstream starts as any
    /// fresh process does: a write to a closed pipe ends it, as its authors expect.
    /// </summary>
    /// <remarks>
    /// The shell replaces itself with grep, which reads its own status, so what is read is the started process's mask,
    /// inherited through exec. (Read as the shell's, from a grep it forked, it was at times dash's own mask around the
    /// fork, every signal blocked.)
    /// </remarks>
    [Fact]
    public async Task Start_EverySignalAtItsDefault_NoneBlocked()
    {
        using var process = GroupLeaderProcess.Start(UpstreamProcessProbe.Launch("/bin/sh", ["-c", "exec grep -E '^Sig(Blk|Ign):' /proc/self/status"]));

        var output = await ReadToEndAsync(process.Output);
        await process.WaitForExitAsync(CancellationToken.None).WaitAsync(Wait);

        Assert.Equal("SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n", output);
        Assert.Equal(0, process.ExitCode);
    }

    [Fact]
    public async Task Start_OnlyTheGivenEnvironment_InTheGivenFolder_ExitCodeSeen()
    {
        var folder = Directory.CreateTempSubdirectory().FullName;
        try
        {
            var launch = UpstreamProcessProbe.Launch("sh", ["-c", "pwd; env | sort; echo oops >&2; exit 7"], folder, new Dictionary<string, string?> { ["PATH"] = "/usr/bin:/bin", ["ONE"] = "a b", ["UNSET"] = null });
            using var process = GroupLeaderProcess.Start(launch);

            var output = await ReadToEndAsync(process.Output);
            var error = await ReadToEndAsync(process.Error);
            await process.WaitForExitAsync(CancellationToken.None).WaitAsync(Wait);

            // sh adds PWD, and may add OLDPWD and SHLVL: only the given variables come from the gateway.
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(folder, lines[0]);
            Assert.Equal(["ONE=a b", "PATH=/usr/bin:/bin"], lines[1..].Where(l => !l.StartsWith("PWD=", StringComparison.Ordinal) && !l.StartsWith("OLDPWD=", StringComparison.Ordinal) && !l.StartsWith("SHLVL=", StringComparison.Ordinal) && !l.StartsWith("_=", StringComparison.Ordinal)));
            Assert.Equal("oops\n", error);
            Assert.True(process.HasExited);
            Assert.Equal(7, process.ExitCode);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Input_ReachesTheProcess_ClosingItEndsIt()
    {
        using var process = GroupLeaderProcess.Start(UpstreamProcessProbe.Launch("cat", []));

        await process.Input.WriteAsync(Encoding.UTF8.GetBytes("hello\n")).AsTask().WaitAsync(Wait);
        await process.Input.FlushAsync().WaitAsync(Wait);
        process.Input.Dispose();
        var output = await ReadToEndAsync(process.Output);
        await process.WaitForExitAsync(CancellationToken.None).WaitAsync(Wait);

        Assert.Equal("hello\n", output);
        Assert.Equal(0, process.ExitCode);
    }

    /// <summary>A child that left the tree (its parent exited) stays in the group, and the kill reaches it there.</summary>
    [Fact]
    public async Task Kill_ReachesWhatItStartedInItsGroup_AfterItExited()
    {
        using var process = GroupLeaderProcess.Start(UpstreamProcessProbe.Launch("/bin/sh", ["-c", "sleep 60 & echo $!"]));
        var orphan = int.Parse((await ReadLineAsync(process.Output)).Trim(), CultureInfo.InvariantCulture);
        await process.WaitForExitAsync(CancellationToken.None).WaitAsync(Wait);
        Assert.True(Alive(orphan), "the background sleep should outlive its shell");

        process.Kill();

        var deadline = DateTime.UtcNow + Wait;
        while (Alive(orphan) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.False(Alive(orphan), $"process {orphan} was left running in the upstream's group");
    }

    [Fact]
    public void Start_NoSuchProgram_SaysSo()
    {
        var failure = Assert.Throws<System.ComponentModel.Win32Exception>(() => GroupLeaderProcess.Start(UpstreamProcessProbe.Launch("no-such-program-" + Guid.NewGuid().ToString("N"), [])));

        Assert.Contains("was found", failure.Message, StringComparison.Ordinal);
    }

    /// <summary>Process named the file and the folder when it could not run one; the C library says only why.</summary>
    [Fact]
    public void Start_FileNotExecutable_SaysWhichFileInWhichFolderAndWhy()
    {
        var folder = Directory.CreateTempSubdirectory().FullName;
        try
        {
            var file = Path.Combine(folder, "server");
            File.WriteAllText(file, "#!/bin/sh\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            var failure = Assert.Throws<System.ComponentModel.Win32Exception>(() => GroupLeaderProcess.Start(UpstreamProcessProbe.Launch(file, [], folder)));

            Assert.Equal(13, failure.NativeErrorCode);
            Assert.Contains($"'{file}'", failure.Message, StringComparison.Ordinal);
            Assert.Contains($"'{folder}'", failure.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Start_NulInAnArgument_Refused()
    {
        var failure = Assert.Throws<System.ComponentModel.Win32Exception>(() => GroupLeaderProcess.Start(UpstreamProcessProbe.Launch("echo", ["a\0b"])));

        Assert.Contains("NUL", failure.Message, StringComparison.Ordinal);
    }

    private static bool Alive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static async Task<string> ReadToEndAsync(Stream stream)
    {
        using var reader = new StreamReader(stream, leaveOpen: true);
        return await reader.ReadToEndAsync().WaitAsync(Wait);
    }

    private static async Task<string> ReadLineAsync(Stream stream)
    {
        using var reader = new StreamReader(stream, leaveOpen: true);
        return await reader.ReadLineAsync().WaitAsync(Wait) ?? "";
    }
}
