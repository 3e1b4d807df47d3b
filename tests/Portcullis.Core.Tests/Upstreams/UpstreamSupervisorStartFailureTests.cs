using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Client;
using Portcullis.Core.Upstreams;
using Portcullis.Core.Upstreams.Stdio;

namespace Portcullis.Core.Tests.Upstreams;

/// <summary>
/// An upstream that never comes up is retried, and its status says so: every failed attempt counts as a restart and a
/// failed start (before, <c>restarts</c> stayed 0), and the last error is what failed, in words (before, a type name).
/// </summary>
public sealed class UpstreamSupervisorStartFailureTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Run_CommandThatExitsAtOnce_EachAttemptCountedAsRestartAndFailedStart_LastErrorSaysItExited()
    {
        using var stop = new CancellationTokenSource();
        var attempts = Channel.CreateUnbounded<int>();
        var made = 0;
        var supervisor = new UpstreamSupervisor("crm", () =>
        {
            attempts.Writer.TryWrite(Interlocked.Increment(ref made));
            // The gateway's own stdio transport, as serve starts upstreams (the SDK's words for an early exit vary with timing).
            var launch = new StdioLaunch("crm", "sh", ["-c", "echo 'fatal: DB_PASSWORD=hunter2 was refused' >&2; exit 3"], null,
                StdioClientTransportOptions.GetDefaultEnvironmentVariables(), 1024 * 1024, TimeSpan.FromSeconds(2));
            return new StdioUpstreamTransport(launch, _ => { }, _ => { }, NullLoggerFactory.Instance);
        }, TimeProvider.System, NullLoggerFactory.Instance, listTimeout: TimeSpan.FromSeconds(10));
        var running = supervisor.RunAsync(stop.Token);

        // The third attempt starts after the first two failed: both are counted by then.
        while (await attempts.Reader.ReadAsync().AsTask().WaitAsync(Wait) < 3)
        {
        }

        var status = supervisor.Status;
        Assert.True(status.FailedStarts >= 2, $"failed starts: {status.FailedStarts}");
        Assert.True(status.Restarts >= 2, $"restarts: {status.Restarts}");
        Assert.NotNull(status.LastError);
        Assert.StartsWith("the upstream process exited with code 3", status.LastError!.Text, StringComparison.Ordinal);
        // What the process printed is the log's (event 1004): it may print anything.
        Assert.DoesNotContain("hunter2", status.LastError!.Text, StringComparison.Ordinal);
        Assert.True(status.LastError.Text.Length <= UpstreamErrorText.MaxStatusLength);

        await stop.CancelAsync();
        await running.WaitAsync(Wait);
    }

    [Fact]
    public async Task Run_UpstreamThatCannotBeLaunched_LastErrorSaysWhatIsMissing()
    {
        using var stop = new CancellationTokenSource();
        var attempts = Channel.CreateUnbounded<int>();
        var made = 0;
        var supervisor = new UpstreamSupervisor("crm", () =>
        {
            attempts.Writer.TryWrite(Interlocked.Increment(ref made));
            throw new UpstreamLaunchException("cannot start: the command 'crm-mcp' is not on the PATH");
        }, TimeProvider.System, NullLoggerFactory.Instance);
        var running = supervisor.RunAsync(stop.Token);

        await supervisor.FirstAttempt.WaitAsync(Wait);
        while (await attempts.Reader.ReadAsync().AsTask().WaitAsync(Wait) < 2)
        {
        }

        var status = supervisor.Status;
        Assert.Equal("cannot start: the command 'crm-mcp' is not on the PATH", status.LastError!.Text);
        Assert.True(status.FailedStarts >= 1 && status.Restarts >= 1, $"{status}");

        await stop.CancelAsync();
        await running.WaitAsync(Wait);
    }

    [Fact]
    public async Task Run_HttpFailureNamingACredentialedUrl_LastErrorKeepsTheReasonWithoutTheCredentials()
    {
        using var stop = new CancellationTokenSource();
        var failed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var supervisor = new UpstreamSupervisor("crm", () =>
        {
            failed.TrySetResult();
            throw new HttpRequestException(
                "Connection refused (https://svc:hunter2@crm.internal:8443/mcp?api_key=abc123)",
                new IOException("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl was refused"));
        }, TimeProvider.System, NullLoggerFactory.Instance);
        var running = supervisor.RunAsync(stop.Token);

        await failed.Task.WaitAsync(Wait);
        await supervisor.FirstAttempt.WaitAsync(Wait);
        var error = supervisor.Status.LastError!.Text;
        Assert.StartsWith("Connection refused (https://crm.internal:8443/…)", error, StringComparison.Ordinal);
        Assert.Contains("was refused", error, StringComparison.Ordinal);
        foreach (var secret in new[] { "svc", "hunter2", "api_key", "abc123", "eyJ", "c2lnbmF0dXJl" })
        {
            Assert.DoesNotContain(secret, error, StringComparison.Ordinal);
        }

        await stop.CancelAsync();
        await running.WaitAsync(Wait);
    }
}
