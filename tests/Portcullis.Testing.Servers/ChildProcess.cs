using System.Diagnostics;
using System.Text;

namespace Portcullis.Testing.Servers;

/// <summary>A server program run as a child of the test process, its output kept, killed with the process tree.</summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();

    private ChildProcess(Process process) => _process = process;

    public bool HasExited => _process.HasExited;

    public int Id => _process.Id;

    public string Output
    {
        get
        {
            lock (_gate)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <paramref name="file"/>; as the user <paramref name="runAs"/> ("uid:gid") when given, for servers that refuse root.</summary>
    public static ChildProcess Start(string file, IEnumerable<string> args, string? runAs = null, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(runAs is null ? file : "setpriv")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (runAs is not null)
        {
            var ids = runAs.Split(':');
            foreach (var arg in new[] { $"--reuid={ids[0]}", $"--regid={ids[1]}", "--clear-groups", "--reset-env", file })
            {
                start.ArgumentList.Add(arg);
            }
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var child = new ChildProcess(new Process { StartInfo = start });
        child._process.OutputDataReceived += (_, e) => child.Append(e.Data);
        child._process.ErrorDataReceived += (_, e) => child.Append(e.Data);
        child._process.Start();
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        Reaper.Track(child._process);
        return child;
    }

    /// <summary>Runs a program to its end; throws with its output when it fails.</summary>
    public static async Task RunAsync(string file, IEnumerable<string> args, string? runAs, TimeSpan timeout)
    {
        await using var child = Start(file, args, runAs);
        using var cts = new CancellationTokenSource(timeout);
        await child._process.WaitForExitAsync(cts.Token);
        if (child._process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} exited with {child._process.ExitCode}:\n{child.Output}");
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_gate)
            {
                _output.AppendLine(line);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }
}
