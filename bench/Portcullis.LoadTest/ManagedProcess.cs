using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Portcullis.LoadTest;

/// <summary>A server process the comparison starts, waits for, measures and stops.</summary>
internal sealed class ManagedProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ManagedProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static async Task<ManagedProcess> StartAsync(string fileName, IEnumerable<string> args, int port, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Paths.Root,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var managed = new ManagedProcess(Process.Start(start)!);
        managed._process.OutputDataReceived += (_, e) => managed.Append(e.Data);
        managed._process.ErrorDataReceived += (_, e) => managed.Append(e.Data);
        managed._process.BeginOutputReadLine();
        managed._process.BeginErrorReadLine();
        await managed.WaitForPortAsync(port, TimeSpan.FromSeconds(90));
        return managed;
    }

    /// <summary>Resident memory of the process and its children, in MiB.</summary>
    public double ResidentMebibytes()
    {
        var status = File.ReadAllLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
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

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                if (_output.Length < 1_000_000)
                {
                    _output.AppendLine(line);
                }
            }
        }
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
