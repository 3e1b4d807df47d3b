using System.Diagnostics;
using System.Net.Sockets;

namespace Portcullis.LoadTest;

/// <summary>A server process the comparison starts, waits for, measures and stops.</summary>
internal sealed class ManagedProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _log;

    private ManagedProcess(Process process, string log)
    {
        _process = process;
        _log = log;
    }

    public int Id => _process.Id;

    /// <summary>The last part of what the process wrote to stdout and stderr.</summary>
    public string Output
    {
        get
        {
            try
            {
                var text = File.ReadAllText(_log);
                return text.Length > 4000 ? text[^4000..] : text;
            }
            catch (IOException)
            {
                return "";
            }
        }
    }

    /// <remarks>
    /// Output goes straight to a log file (through the shell's redirection), not through a pipe this process
    /// reads: a gateway logging every call would otherwise spend the load tool's CPU, or stall on a full pipe.
    /// </remarks>
    public static async Task<ManagedProcess> StartAsync(string fileName, IEnumerable<string> args, int port, string? workingDirectory = null)
    {
        var log = Path.Combine(Path.GetTempPath(), $"portcullis-bench-{Path.GetFileNameWithoutExtension(fileName)}-{port}.log");
        var start = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Paths.Root,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec \"$0\" \"$@\" > \"$PORTCULLIS_BENCH_LOG\" 2>&1 < /dev/null");
        start.ArgumentList.Add(fileName);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["PORTCULLIS_BENCH_LOG"] = log;
        var managed = new ManagedProcess(Process.Start(start)!, log);
        await managed.WaitForPortAsync(port, TimeSpan.FromSeconds(90));
        return managed;
    }

    /// <summary>CPU time (user + system) the process itself has used, in seconds; its children are not counted.</summary>
    public double CpuSeconds() => CpuSeconds(_process.Id);

    /// <summary>CPU time (user + system) process <paramref name="pid"/> has used, in seconds; its children are not counted.</summary>
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // Fields after the command name (which is in parentheses and may hold spaces): utime and stime are 14 and 15.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
        return ticks / 100.0; // USER_HZ is 100 on Linux
    }

    /// <summary>
    /// CPU time (user + system) of every running descendant of process <paramref name="pid"/> (a stdio proxy's upstream
    /// children), in seconds, not counting the process itself. Read over a window in which none of them starts or ends.
    /// </summary>
    public static double CpuSecondsOfDescendants(int pid)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var child))
            {
                try
                {
                    var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    // The parent is the second field after the command name (which is in parentheses and may hold spaces).
                    parents[child] = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // gone meanwhile
                }
            }
        }

        var total = 0.0;
        foreach (var (child, _) in parents)
        {
            var ancestor = parents.GetValueOrDefault(child);
            for (var depth = 0; ancestor > 1 && ancestor != pid && depth < 64; depth++)
            {
                ancestor = parents.GetValueOrDefault(ancestor);
            }

            if (ancestor == pid)
            {
                try
                {
                    total += CpuSeconds(child);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // gone meanwhile
                }
            }
        }

        return total;
    }

    /// <summary>
    /// CPU time (user + system) of every running process whose command is <paramref name="command"/> (a database
    /// server's postmaster and backends, say), in seconds. Read over a window in which none of them starts or ends.
    /// </summary>
    public static double CpuSecondsOfAll(string command)
    {
        var total = 0.0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                if (File.ReadAllText(Path.Combine(dir, "comm")).TrimEnd('\n') == command)
                {
                    total += CpuSeconds(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // gone meanwhile
            }
        }

        return total;
    }

    /// <summary>Resident memory of the process (VmRSS, or another /proc status field such as VmHWM), in MiB.</summary>
    public double ResidentMebibytes(string field = "VmRSS:")
    {
        var status = File.ReadAllLines($"/proc/{_process.Id}/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return double.Parse(status.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024;
    }

    private async Task WaitForPortAsync(int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{_process.StartInfo.FileName} exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                using var socket = new TcpClient();
                await socket.ConnectAsync("127.0.0.1", port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new TimeoutException($"{_process.StartInfo.FileName} did not listen on {port}:\n{Output}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
