using System.ComponentModel;
using ModelContextProtocol.Server;

namespace Portcullis.Fixtures.Upstream;

/// <summary>Tools that fail in the ways a real upstream can: slowly, or with internals in their exceptions.</summary>
[McpServerToolType]
internal sealed class FixtureFaultTools(CallRecorder recorder)
{
    [McpServerTool(Name = "wait", ReadOnly = true, Destructive = false)]
    [Description("A read that waits; records whether it was cancelled.")]
    public async Task<string> Wait(double seconds, CancellationToken cancellationToken = default)
    {
        recorder.Record("wait", new { seconds });
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);
        }
        catch (OperationCanceledException)
        {
            recorder.Record("wait_cancelled", new { seconds });
            throw;
        }

        return $"waited {seconds}s";
    }

    [McpServerTool(Name = "stderr_flood", ReadOnly = true, Destructive = false)]
    [Description("Writes the given number of mebibytes to standard error without a newline, then one short line, and answers.")]
    public static string StderrFlood(int megabytes)
    {
        using var stderr = Console.OpenStandardError();
        var chunk = new byte[1024 * 1024];
        Array.Fill(chunk, (byte)'e');
        for (var i = 0; i < megabytes; i++)
        {
            stderr.Write(chunk);
        }

        stderr.Write("\nafter the flood\n"u8);
        stderr.Flush();
        return $"flooded {megabytes} MiB";
    }

    [McpServerTool(Name = "spawn_own_session", ReadOnly = true, Destructive = false)]
    [Description("Starts 'sleep 60' in a session (and process group) of its own, as a detached child, and answers its process id.")]
    public static string SpawnOwnSession()
    {
        using var child = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("setsid", ["sleep", "60"])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        return child.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    [McpServerTool(Name = "exit_leaving_child", ReadOnly = true, Destructive = false)]
    [Description("Starts 'sleep 60' sharing this server's standard output and error, then exits with code 3: the output stays open after the exit.")]
    public static string ExitLeavingChild()
    {
        using var child = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sleep", "60") { UseShellExecute = false });
        Environment.Exit(3);
        return "unreachable";
    }

    [McpServerTool(Name = "boom", ReadOnly = true, Destructive = false)]
    [Description("Throws an exception whose message holds a secret, a path and an internal address.")]
    public static string Boom() =>
        throw new InvalidOperationException("password=hunter2 at /srv/secret/keys.pem via 10.1.2.3:5432");
}
