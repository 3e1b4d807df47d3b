using Portcullis.Core.Upstreams.Stdio;

namespace Portcullis.Core.Tests.Upstreams;

/// <summary>
/// A stdio upstream started through .NET's Process: in the gateway's group where posix_spawn cannot start it, or, as
/// process 1, by setsid in a session of its own, its id and exit code the upstream's own.
/// </summary>
public sealed class RuntimeProcessTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Start_SharesTheGatewaysGroupAndSession()
    {
        using var process = RuntimeProcess.Start(UpstreamProcessProbe.Launch("sleep", ["30"]));
        var started = UpstreamProcessProbe.GroupAndSession(process.Id);
        var own = UpstreamProcessProbe.GroupAndSession(Environment.ProcessId);

        process.Kill();
        await process.WaitForExitAsync(CancellationToken.None).WaitAsync(Wait);

        Assert.Equal(own, started);
    }

    /// <summary>setsid replaces itself with the upstream: the process started leads its own session, and its exit code is the upstream's.</summary>
    [Fact]
    public async Task StartInOwnSession_LeadsASessionOfItsOwn_ItsExitCodeTheUpstreams()
    {
        Assert.True(RuntimeProcess.CanStartInOwnSession, "setsid is not found on this system");
        using var process = RuntimeProcess.StartInOwnSession(UpstreamProcessProbe.Launch("sh", ["-c", "read line; exit 7"]));
        // Until setsid has run, the child forked for it is still in the test host's session: read once it has moved.
        var deadline = DateTime.UtcNow + Wait;
        var (group, session) = UpstreamProcessProbe.GroupAndSession(process.Id);
        while (session != process.Id && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
            (group, session) = UpstreamProcessProbe.GroupAndSession(process.Id);
        }

        process.Input.Close();
        await process.WaitForExitAsync(CancellationToken.None).WaitAsync(Wait);

        Assert.Equal(process.Id, group);
        Assert.Equal(process.Id, session);
        Assert.Equal(7, process.ExitCode);
    }

    [Fact]
    public void StartInOwnSession_NoSuchProgram_SaysSo()
    {
        var failure = Assert.Throws<System.ComponentModel.Win32Exception>(() => RuntimeProcess.StartInOwnSession(UpstreamProcessProbe.Launch("no-such-upstream-program", [])));

        Assert.Equal(2, failure.NativeErrorCode);
        Assert.Contains("was found", failure.Message, StringComparison.Ordinal);
    }
}
