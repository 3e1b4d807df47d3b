using System.Diagnostics;

namespace Portcullis.Tests.Infrastructure;

/// <summary>Runs a verb of the real <c>portcullis</c> executable and collects what it printed.</summary>
internal static class PortcullisCli
{
    public static async Task<(int Exit, string Stdout, string Output)> RunAsync(params string[] args)
    {
        using var process = Start(args);
        return await FinishAsync(process);
    }

    /// <summary>Starts a verb and returns at once, for a test that acts on the process (a signal) before it ends.</summary>
    public static Process Start(params string[] args)
    {
        // Through env, with SIGINT at its default as in a terminal: a test run started in the background (a CI job
        // under a shell without job control) inherits SIGINT ignored, and a command's Ctrl+C could not be tested.
        var start = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("--default-signal=INT");
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(RepoPaths.Gateway);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start)!;
    }

    /// <summary>Waits for a verb <see cref="Start"/> started to end, and collects what it printed.</summary>
    public static async Task<(int Exit, string Stdout, string Output)> FinishAsync(Process process)
    {
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The command did not end within 60 s; it printed:\n{await stdout.WaitAsync(Timeouts.Exit)}{await stderr.WaitAsync(Timeouts.Exit)}");
        }

        return (process.ExitCode, await stdout, await stdout + await stderr);
    }

    /// <summary>A dev-identity token for a running gateway, as <c>portcullis token</c> prints it (its last line).</summary>
    public static async Task<string> DevTokenAsync(GatewayProcess gateway, string connector, string scopes, string? subject = null)
    {
        string[] args = ["token", "--config", gateway.ConfigPath, "--data-dir", gateway.DataDir, "--listen", gateway.BaseUrl, "--connector", connector, "--scopes", scopes, .. gateway.AdminListenArgs];
        var (exit, stdout, output) = await RunAsync(subject is null ? args : [.. args, "--subject", subject]);
        Assert.True(exit == 0, output);
        return stdout.TrimEnd().Split('\n')[^1].Trim();
    }
}
